import PluginAPI

/// The cache slot as one addon reaches it: its keys are prefixed with the addon's id.
struct CacheFront: CacheStore, AddonScopedService {
    let registry: SlotRegistry
    let addonID: String
    /// `addonID` and the separator, joined once: a call through the general delivery then appends
    /// the key to it, one allocation (the memory cache's direct calls join nothing).
    private let prefix: String

    init(registry: SlotRegistry, addonID: String) {
        self.registry = registry
        self.addonID = addonID
        self.prefix = addonID + ":"
    }

    func scoped(to addonID: String) -> any Sendable { CacheFront(registry: registry, addonID: addonID) }

    private func scope(_ key: String) -> String { prefix + key }

    func get(_ key: String) async throws -> [UInt8]? {
        if let (memory, route) = immediate() {
            return registry.counting(route) { memory.value(for: MemoryCache.Key(namespace: addonID, name: key)) }
        }
        return try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.get(scope(key)) }
    }

    func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws {
        if let (memory, route) = immediate() {
            return try registry.counting(route) { () throws(HTTPError) in try memory.store(MemoryCache.Key(namespace: addonID, name: key), value, ttl: ttl) }
        }
        try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.set(scope(key), value, ttl: ttl) }
    }

    @discardableResult
    func delete(_ key: String) async throws -> Bool {
        if let (memory, route) = immediate() {
            return registry.counting(route) { memory.remove(MemoryCache.Key(namespace: addonID, name: key)) }
        }
        return try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.delete(scope(key)) }
    }

    func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 {
        if let (memory, route) = immediate() {
            return try registry.counting(route) { () throws(HTTPError) in try memory.add(delta, to: MemoryCache.Key(namespace: addonID, name: key), ttl: ttl) }
        }
        return try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.increment(scope(key), by: delta, ttl: ttl) }
    }

    /// The built-in memory cache when it alone serves the slot: called without suspending.
    private func immediate() -> (MemoryCache, SlotRegistry.ImmediateRoute)? {
        guard let route = registry.immediateRoute(.cache), case .cache(let memory) = route.provider else { return nil }
        return (memory, route)
    }
}
