/// The answer to one hit against a limit.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the hit is within the limit.
    public var allowed: Bool
    /// The limit the hit was counted against.
    public var limit: Int
    /// Hits left in the current window (0 once the limit is reached).
    public var remaining: Int
    /// Time until the window resets.
    public var reset: Duration

    /// Creates a decision.
    public init(allowed: Bool, limit: Int, remaining: Int, reset: Duration) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
    }
}

/// The rate limiting slot (`RATE_LIMIT_PROVIDER`), reached with `try context.service(.rateLimiter)`.
///
/// Keys are scoped to the addon by the host.
public protocol RateLimiter: Sendable {
    /// Counts `cost` hits of `key` against `limit` hits per `window`.
    func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision
}

extension RateLimiter {
    /// Counts one hit of `key` against `limit` hits per `window`.
    public func hit(_ key: String, limit: Int, window: Duration) async throws -> RateLimitDecision {
        try await hit(key, limit: limit, window: window, cost: 1)
    }
}
