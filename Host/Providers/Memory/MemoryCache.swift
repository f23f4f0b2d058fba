import Foundation
import PluginAPI
import Synchronization

/// The `memory` cache provider: entries live in this process only. With several workers each
/// worker has its own cache (a value set through one worker may miss in another): use it for
/// values that can be recomputed, and the Redis addon for a cache shared by all workers and hosts.
/// At most ``capacity`` entries; past it, expired entries go first, then the oldest written.
public final class MemoryCache: CacheStore {
    /// An entry's key: the addon's id and the addon's own key, kept apart so that a call through
    /// an addon's cache front joins no string (an allocation and a copy per call).
    struct Key: Hashable, Sendable {
        let namespace: String
        let name: String

        init(namespace: String, name: String) {
            self.namespace = namespace
            self.name = name
        }

        /// A key as the general delivery passes it, `<addon id>:<key>` (an addon id holds no
        /// colon): the same entry a front's direct call reaches.
        init(scoped key: String) {
            if let colon = key.utf8.firstIndex(of: UInt8(ascii: ":")) {
                namespace = String(key[..<colon])
                name = String(key[key.utf8.index(after: colon)...])
            } else {
                namespace = ""
                name = key
            }
        }

        /// `<namespace>:<name>`, for messages.
        var description: String { namespace.isEmpty ? name : "\(namespace):\(name)" }
    }

    private struct Entry {
        var value: [UInt8]
        var expires: ContinuousClock.Instant?
        var written: UInt64
    }

    private let entries = Mutex<(map: [Key: Entry], clock: UInt64)>(([:], 0))
    /// The most entries kept.
    public let capacity: Int

    /// An empty cache of at most `capacity` entries.
    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    public func get(_ key: String) async throws -> [UInt8]? { value(for: Key(scoped: key)) }

    public func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws { try store(Key(scoped: key), value, ttl: ttl) }

    @discardableResult
    public func delete(_ key: String) async throws -> Bool { remove(Key(scoped: key)) }

    public func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 {
        try add(delta, to: Key(scoped: key), ttl: ttl)
    }

    // The work of each call, synchronous: the cache front calls these directly (see
    // ``ImmediateProvider``), the protocol's methods above wrap them.

    func value(for key: Key) -> [UInt8]? {
        entries.withLock { state in
            guard let entry = state.map[key] else { return nil }
            // The clock is read only for an entry that can expire: a value set without a ttl
            // costs no clock read.
            if let expires = entry.expires, expires <= .now {
                state.map[key] = nil
                return nil
            }
            return entry.value
        }
    }

    func store(_ key: Key, _ value: [UInt8], ttl: Duration?) throws(HTTPError) {
        let expires = try Self.expiry(ttl)
        entries.withLock { state in
            state.clock &+= 1
            state.map[key] = Entry(value: value, expires: expires, written: state.clock)
            evict(&state.map)
        }
    }

    func remove(_ key: Key) -> Bool {
        let now = ContinuousClock.now
        return entries.withLock { state in
            guard let entry = state.map.removeValue(forKey: key) else { return false }
            return entry.expires.map { $0 > now } ?? true
        }
    }

    func add(_ delta: Int64, to key: Key, ttl: Duration?) throws(HTTPError) -> Int64 {
        let expires = try Self.expiry(ttl)
        let now = ContinuousClock.now
        return try entries.withLock { (state) throws(HTTPError) -> Int64 in
            var entry = state.map[key]
            if let current = entry, let end = current.expires, end <= now { entry = nil }
            let base: Int64
            if let entry {
                guard let text = String(bytes: entry.value, encoding: .utf8), let number = Int64(text) else {
                    throw ProviderError.invalidArgument("the cache value of \(key.description) is not an integer").httpError
                }
                base = number
            } else {
                base = 0
            }
            let (sum, overflow) = base.addingReportingOverflow(delta)
            guard !overflow else { throw ProviderError.invalidArgument("incrementing \(key.description) by \(delta) overflows 64 bits").httpError }
            state.clock &+= 1
            state.map[key] = Entry(value: Array(String(sum).utf8), expires: entry == nil ? expires : entry?.expires, written: state.clock)
            evict(&state.map)
            return sum
        }
    }

    private func evict(_ map: inout [Key: Entry]) {
        guard map.count > capacity else { return }
        let now = ContinuousClock.now
        map = map.filter { $0.value.expires.map { $0 > now } ?? true }
        while map.count > capacity, let oldest = map.min(by: { $0.value.written < $1.value.written }) {
            map[oldest.key] = nil
        }
    }

    private static func expiry(_ ttl: Duration?) throws(HTTPError) -> ContinuousClock.Instant? {
        guard let ttl else { return nil }
        guard ttl > .zero else { throw ProviderError.invalidArgument("a cache ttl must be positive, not \(ttl)").httpError }
        return .now + ttl
    }
}
