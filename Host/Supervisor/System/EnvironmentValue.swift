/// Reads numeric `BERTH_*` settings, naming the variable when a value is malformed.
enum EnvironmentValue {
    /// A whole number in `range`, or `fallback` when unset or empty.
    static func integer(_ environment: [String: String], _ name: String, default fallback: Int, range: ClosedRange<Int>) throws(SupervisorError) -> Int {
        guard let text = environment[name], !text.isEmpty else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw SupervisorError(.invalidSetting, "\(name)=\(text) is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    /// A duration in seconds (decimals allowed, e.g. `1.5`) in `range`, or `fallback` when unset.
    static func seconds(_ environment: [String: String], _ name: String, default fallback: Duration, range: ClosedRange<Double>) throws(SupervisorError) -> Duration {
        guard let text = environment[name], !text.isEmpty else { return fallback }
        guard let number = Double(text), range.contains(number) else {
            throw SupervisorError(.invalidSetting, "\(name)=\(text) is not a number of seconds in \(range.lowerBound)…\(range.upperBound)")
        }
        return .milliseconds(Int64(number * 1000))
    }
}
