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
}
