/// Why an addon was taken out of service after crashing its worker repeatedly, or after answering
/// too many requests with 5xx (its error threshold): recorded in its registry entry, shown by the
/// admin API, cleared by activating it again.
public struct Quarantine: Codable, Sendable, Hashable {
    /// What happened, for people.
    public var reason: String
    /// How many crashes were counted in the window.
    public var crashes: Int
    /// When (ISO 8601).
    public var at: String
    /// `crashes`, or `error_threshold_exceeded` (absent in records written before it existed:
    /// crashes).
    public var cause: String? = nil

    /// Creates a record.
    public init(reason: String, crashes: Int, at: String, cause: String? = nil) {
        self.reason = reason
        self.crashes = crashes
        self.at = at
        self.cause = cause
    }
}
