/// A step that led up to a captured error, e.g. a query or an outgoing request.
public struct Breadcrumb: Sendable, Hashable {
    /// What kind of step, e.g. `http`, `query`, `navigation`.
    public var category: String
    /// What happened.
    public var message: String
    /// How severe the step was.
    public var level: LogLevel
    /// Details.
    public var data: [String: JSONValue]

    /// Creates a breadcrumb.
    public init(category: String, message: String, level: LogLevel = .info, data: [String: JSONValue] = [:]) {
        self.category = category
        self.message = message
        self.level = level
        self.data = data
    }
}

/// What a captured error or message is about.
public struct MonitoringContext: Sendable, Hashable {
    /// The request id, to find the request's log lines.
    public var requestID: String?
    /// The user, if known.
    public var userID: String?
    /// Searchable tags, e.g. `route`.
    public var tags: [String: String]
    /// Further details.
    public var extra: [String: JSONValue]
    /// The steps that led here, oldest first.
    public var breadcrumbs: [Breadcrumb]

    /// Creates a context.
    public init(requestID: String? = nil, userID: String? = nil, tags: [String: String] = [:], extra: [String: JSONValue] = [:], breadcrumbs: [Breadcrumb] = []) {
        self.requestID = requestID
        self.userID = userID
        self.tags = tags
        self.extra = extra
        self.breadcrumbs = breadcrumbs
    }
}

/// The monitoring fan-out (`MONITORING_PROVIDERS`), reached with `try context.service(.monitoring)`:
/// every configured provider receives each capture.
public protocol ErrorMonitor: Sendable {
    /// Reports `error` with `context`.
    func capture(error: any Error, context: MonitoringContext) async

    /// Reports `message` at `level` with `context`.
    func capture(message: String, level: LogLevel, context: MonitoringContext) async
}
