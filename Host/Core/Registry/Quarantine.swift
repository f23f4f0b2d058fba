/// Why an addon was taken out of service after crashing its worker repeatedly: recorded in its
/// registry entry by the supervisor, shown by the admin API, cleared by activating it again.
public struct Quarantine: Codable, Sendable, Hashable {
    /// What happened, for people.
    public var reason: String
    /// How many crashes were counted in the window.
    public var crashes: Int
    /// When (ISO 8601).
    public var at: String

    /// Creates a record.
    public init(reason: String, crashes: Int, at: String) {
        self.reason = reason
        self.crashes = crashes
        self.at = at
    }
}
