/// The text of a scrape: Prometheus text format 0.0.4, or OpenMetrics 1.0 when the scraper asks for
/// it in `Accept`.
public enum Exposition {
    /// The two formats.
    public enum Format: Sendable {
        /// `text/plain; version=0.0.4`.
        case prometheus
        /// `application/openmetrics-text; version=1.0.0`.
        case openMetrics

        /// The format a scraper's `Accept` field asks for.
        public static func negotiated(accept: String?) -> Format {
            accept?.contains("application/openmetrics-text") == true ? .openMetrics : .prometheus
        }

        /// The response's `Content-Type`.
        public var contentType: String {
            switch self {
            case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }
    }

    /// A label value with `\`, `"` and line feeds escaped.
    public static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `name="value",…` for label pairs in order, values escaped.
    public static func labels(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",")
    }

    /// A number as both formats want it: integers without a fraction, `+Inf`.
    static func number(_ value: Double) -> String {
        if value == .infinity { return "+Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
