/// The answer to one hit against a window's limit.
public struct WindowDecision: Sendable, Hashable {
    /// Whether the hit was admitted (and counted).
    public let allowed: Bool
    /// The limit of the window.
    public let limit: Int
    /// Hits left in the current window.
    public let remaining: Int
    /// Seconds until the window ends and the count starts again (at least 1).
    public let resetSeconds: Int

    /// Creates a decision, e.g. from a rate-limiting provider's answer.
    public init(allowed: Bool, limit: Int, remaining: Int, resetSeconds: Int) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }
}
