import PluginAPI
import ProviderKit
import Synchronization

/// Supplies the `cache` and `rate_limit` slots on a Redis server, both named `redis`: choose them
/// with `CACHE_PROVIDER=redis` / `RATE_LIMIT_PROVIDER=redis` or `PUT /api/v1/providers/{slot}`.
/// Every host that points at the same server shares the caches and the rate-limit counts, which
/// is what a cluster needs (the host's route limits go through the rate-limiting slot too).
///
/// `GET /health` (under the mount prefix) answers 200 when the server answers `PING`, 503 naming
/// the problem otherwise.
struct RedisProviderAddon: Addon {
    var id: String { "redis_provider" }
    var version: String { "1.0.0" }

    /// The pool, made at start; shared by the offers and the health route.
    final class Holder: Sendable {
        let pool = Mutex<RedisPool?>(nil)
        var current: RedisPool? { pool.withLock { $0 } }
    }

    let holder = Holder()

    func start(_ context: AddonContext) async throws {
        let settings = try RedisSettings(context.configuration)
        let pool = RedisPool(settings)
        holder.pool.withLock { $0 = pool }
        try context.offer(.cache("redis", PooledRedisCache(pool: pool), health: { await pool.problem() }))
        try context.offer(.rateLimiter("redis", PooledRedisRateLimiter(pool: pool), health: { await pool.problem() }))
        context.logger.info("offering the redis cache and rate-limiting providers", metadata: ["server": .string(settings.endpoint), "connections": .integer(Int64(settings.connections))])
    }

    func stop(_ context: AddonContext) async {
        holder.current?.close()
    }

    func configurationDidChange(_ configuration: AddonConfiguration, context: AddonContext) async {
        do {
            let settings = try RedisSettings(configuration)
            holder.current?.reconfigure(settings)
            context.logger.info("redis settings changed", metadata: ["server": .string(settings.endpoint)])
        } catch {
            context.logger.error("the new redis settings are not usable; keeping the previous ones", metadata: ["error": "\(error)"])
        }
    }

    func register(_ router: inout Router) {
        let holder = holder
        router.get("/health") { _, _ in
            guard let pool = holder.current else { throw HTTPError(status: 503, code: "not_started", message: "the redis provider has not started") }
            if let problem = await pool.problem() { throw HTTPError(status: 503, code: "redis_unavailable", message: problem) }
            return try .json(["status": "ok", "server": pool.settings.endpoint])
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(RedisProviderAddon()) }
