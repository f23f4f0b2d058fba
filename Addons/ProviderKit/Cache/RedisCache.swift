import PluginAPI

/// The cache slot on Redis: values under `prefix + key`, TTLs in milliseconds.
public struct RedisCache: CacheStore {
    /// The client.
    public let client: RedisClient
    /// Prepended to every key, e.g. `berth:cache:`.
    public let prefix: String

    /// Creates a cache.
    public init(client: RedisClient, prefix: String = "berth:cache:") {
        self.client = client
        self.prefix = prefix
    }

    static let increment = RedisScript("""
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return value
        """)

    /// The value of `key`, or `nil`.
    public func get(_ key: String) async throws -> [UInt8]? {
        let reply = try await client.command([Array("GET".utf8), Array((prefix + key).utf8)])
        return reply.isNull ? nil : reply.bytes
    }

    /// Stores `value` under `key`, expiring after `ttl` if given.
    public func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws {
        var parts = [Array("SET".utf8), Array((prefix + key).utf8), value]
        if let ttl { parts += [Array("PX".utf8), Array(String(Self.milliseconds(ttl)).utf8)] }
        try await client.command(parts)
    }

    /// Removes `key`; true if it existed.
    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        try await client.command([Array("DEL".utf8), Array((prefix + key).utf8)]).integer == 1
    }

    /// Adds `delta` to the integer at `key` (0 if absent) atomically; a new key gets `ttl`.
    public func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 {
        let reply = try await client.evaluate(Self.increment, keys: [prefix + key], arguments: [String(delta), ttl.map { String(Self.milliseconds($0)) } ?? ""])
        guard let value = reply.integer else { throw ProviderError(.protocolViolation, "Redis answered INCRBY with \(reply)") }
        return value
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        max(1, duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
