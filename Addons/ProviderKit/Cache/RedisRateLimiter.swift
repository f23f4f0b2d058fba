import PluginAPI

/// The rate limiting slot on Redis: a fixed window per key, counted by one Lua script so the
/// check and the increment are one atomic step and every host sharing the server shares the count.
/// A hit that would pass the limit is not counted, so a window admits exactly `limit`.
public struct RedisRateLimiter: RateLimiter {
    /// The client.
    public let client: RedisClient
    /// Prepended to every key, e.g. `berth:ratelimit:`.
    public let prefix: String

    /// Creates a limiter.
    public init(client: RedisClient, prefix: String = "berth:ratelimit:") {
        self.client = client
        self.prefix = prefix
    }

    /// KEYS[1] the window's counter; ARGV cost, window in ms, limit. Returns {allowed, count, ms left}.
    public static let script = RedisScript("""
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        local cost = tonumber(ARGV[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then ttl = tonumber(ARGV[2]) end
        if count + cost > tonumber(ARGV[3]) then return {0, count, ttl} end
        count = redis.call('INCRBY', KEYS[1], cost)
        if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return {1, count, ttl}
        """)

    /// Counts `cost` hits of `key` against `limit` per `window`.
    public func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
        let windowMilliseconds = RedisCache.milliseconds(window)
        let reply = try await client.evaluate(Self.script, keys: [prefix + key], arguments: [String(cost), String(windowMilliseconds), String(limit)])
        guard case .array(let items?) = reply, items.count == 3, let allowed = items[0].integer, let count = items[1].integer, let left = items[2].integer else {
            throw ProviderError(.protocolViolation, "the Redis rate-limit script answered \(reply)")
        }
        return RateLimitDecision(allowed: allowed == 1, limit: limit, remaining: max(0, limit - Int(count)), reset: .milliseconds(left))
    }
}
