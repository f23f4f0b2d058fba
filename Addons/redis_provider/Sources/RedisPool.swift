import PluginAPI
import ProviderKit
import Synchronization

/// A few Redis connections used in turn, so concurrent requests do not queue behind one
/// connection's command; swapped whole when the configuration changes.
///
/// The cache and rate-limiting providers the addon offers hold this pool, not a client: a changed
/// URL or password reaches them without a new offer.
final class RedisPool: Sendable {
    private struct State {
        var settings: RedisSettings
        var clients: [RedisClient]
    }

    private let state: Mutex<State>
    private let turn = Atomic<Int>(0)

    init(_ settings: RedisSettings) {
        state = Mutex(State(settings: settings, clients: Self.clients(for: settings)))
    }

    private static func clients(for settings: RedisSettings) -> [RedisClient] {
        (0 ..< settings.connections).map { _ in RedisClient(settings.server) }
    }

    /// Uses `settings` from now on; the connections of the old ones are closed.
    func reconfigure(_ settings: RedisSettings) {
        let old = state.withLock { state -> [RedisClient] in
            guard state.settings != settings else { return [] }
            defer { state = State(settings: settings, clients: Self.clients(for: settings)) }
            return state.clients
        }
        for client in old { client.close() }
    }

    /// The settings in use.
    var settings: RedisSettings { state.withLock { $0.settings } }

    /// The next client, round robin.
    func client() -> RedisClient {
        let index = turn.add(1, ordering: .relaxed).oldValue
        return state.withLock { $0.clients[index % $0.clients.count] }
    }

    /// Closes every connection (the addon stops).
    func close() {
        for client in state.withLock({ $0.clients }) { client.close() }
    }

    /// `nil` when the server answers `PING`, otherwise what is wrong (for `GET /api/v1/providers`).
    func problem() async -> String? {
        let endpoint = settings.endpoint
        do {
            let reply = try await client().command("PING")
            if case .simple(let text) = reply, text == "PONG" { return nil }
            return "Redis at \(endpoint) answered PING with \(reply)"
        } catch {
            return "Redis at \(endpoint) is unreachable: \(error)"
        }
    }
}

/// The cache slot on the pool (``RedisCache`` on the next connection).
struct PooledRedisCache: CacheStore {
    let pool: RedisPool

    private var cache: RedisCache { RedisCache(client: pool.client(), prefix: pool.settings.keyPrefix + "cache:") }

    func get(_ key: String) async throws -> [UInt8]? { try await cache.get(key) }
    func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws { try await cache.set(key, value, ttl: ttl) }
    @discardableResult
    func delete(_ key: String) async throws -> Bool { try await cache.delete(key) }
    func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 { try await cache.increment(key, by: delta, ttl: ttl) }
}

/// The rate-limiting slot on the pool (``RedisRateLimiter``'s atomic script on the next connection).
struct PooledRedisRateLimiter: RateLimiter {
    let pool: RedisPool

    func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
        try await RedisRateLimiter(client: pool.client(), prefix: pool.settings.keyPrefix + "ratelimit:").hit(key, limit: limit, window: window, cost: cost)
    }
}
