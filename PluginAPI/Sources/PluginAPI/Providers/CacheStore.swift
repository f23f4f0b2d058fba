/// The cache slot (`CACHE_PROVIDER`), reached with `try context.service(.cache)`.
///
/// Keys are scoped to the addon by the host: two addons never see each other's entries.
public protocol CacheStore: Sendable {
    /// The bytes stored under `key`, or `nil` if absent or expired.
    func get(_ key: String) async throws -> [UInt8]?

    /// Stores `value` under `key`, expiring after `ttl` (`nil`: kept until evicted or deleted).
    func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws

    /// Removes `key`; true if it was present.
    @discardableResult
    func delete(_ key: String) async throws -> Bool

    /// Adds `delta` to the integer under `key` atomically (an absent key counts as 0, and then
    /// gets `ttl`), and returns the new value.
    func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64
}

extension CacheStore {
    /// The value under `key`, or — when absent — the result of `make`, stored with `ttl`.
    ///
    /// Two concurrent misses may both run `make`; the last store wins.
    public func getOrSet(_ key: String, ttl: Duration?, _ make: @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        if let cached = try await get(key) { return cached }
        let value = try await make()
        try await set(key, value, ttl: ttl)
        return value
    }
}
