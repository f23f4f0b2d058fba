import PluginAPI

/// Sentry's envelope format: a header line, then for each item an item header line (with the
/// payload's byte length) and the payload, sent to the DSN's envelope endpoint.
public struct SentryEnvelope: Sendable {
    /// The DSN.
    public let dsn: SentryDSN
    /// Longest one request may take.
    public let timeout: Duration
    let http: any HTTPClient

    /// Creates a sender.
    public init(dsn: SentryDSN, http: any HTTPClient, timeout: Duration = .seconds(10)) {
        self.dsn = dsn
        self.http = http
        self.timeout = timeout
    }

    /// A 32-hex-digit event id.
    public static func newEventID() -> String {
        Digest.hex((0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    /// The event payload for a message or error.
    public static func event(id: String, message: String, level: LogLevel, exceptionType: String?, context: MonitoringContext, timestamp: Double) -> JSONValue {
        var event: [String: JSONValue] = [
            "event_id": .string(id), "timestamp": .number(timestamp.rounded()), "platform": .string("other"),
            "level": .string(sentryLevel(level)), "logger": .string("berth"),
        ]
        if let exceptionType {
            event["exception"] = .object(["values": .array([.object(["type": .string(exceptionType), "value": .string(message)])])])
        } else {
            event["message"] = .object(["formatted": .string(message)])
        }
        if !context.tags.isEmpty { event["tags"] = .object(context.tags.mapValues { .string($0) }) }
        var extra = context.extra
        if let request = context.requestID { extra["request_id"] = .string(request) }
        if !extra.isEmpty { event["extra"] = .object(extra) }
        if let user = context.userID { event["user"] = .object(["id": .string(user)]) }
        if !context.breadcrumbs.isEmpty {
            event["breadcrumbs"] = .object(["values": .array(context.breadcrumbs.map {
                .object(["category": .string($0.category), "message": .string($0.message), "level": .string(sentryLevel($0.level)), "data": .object($0.data)])
            })])
        }
        return .object(event)
    }

    /// The envelope request carrying `event` (whose `event_id` it repeats in the header).
    public func request(event: JSONValue, eventID: String, sentAt: String) -> OutgoingRequest {
        let payload = HTTPCall.json(event)
        let header = HTTPCall.json(.object(["event_id": .string(eventID), "dsn": .string(dsn.raw), "sent_at": .string(sentAt)]))
        let itemHeader = HTTPCall.json(.object(["type": .string("event"), "length": .number(Double(payload.count)), "content_type": .string("application/json")]))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-sentry-envelope")
        headers.add(name: "X-Sentry-Auth", value: dsn.authHeader())
        return OutgoingRequest(method: .post, url: dsn.envelopeURL, headers: headers, body: header + [10] + itemHeader + [10] + payload + [10])
    }

    /// Sends a message or error event; returns its event id.
    @discardableResult
    public func capture(message: String, level: LogLevel, exceptionType: String? = nil, context: MonitoringContext) async throws -> String {
        let id = Self.newEventID()
        let now = WallClock.unixSeconds()
        let stamp = AWSTimestamp(secondsSince1970: Int(now)).amzDate
        let chars = Array(stamp)
        let iso = "\(String(chars[0...3]))-\(String(chars[4...5]))-\(String(chars[6...7]))T\(String(chars[9...10])):\(String(chars[11...12])):\(String(chars[13...14]))Z"
        let event = Self.event(id: id, message: message, level: level, exceptionType: exceptionType, context: context, timestamp: now)
        _ = try await HTTPCall.send(request(event: event, eventID: id, sentAt: iso), through: http, timeout: timeout, provider: "sentry")
        return id
    }

    static func sentryLevel(_ level: LogLevel) -> String {
        switch "\(level)".lowercased() {
        case let name where name.contains("trace") || name.contains("debug"): "debug"
        case let name where name.contains("warn"): "warning"
        case let name where name.contains("crit") || name.contains("fatal"): "fatal"
        case let name where name.contains("error"): "error"
        default: "info"
        }
    }
}
