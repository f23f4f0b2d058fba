import PluginAPI

/// The cache slot as one addon reaches it: its keys are prefixed with the addon's id.
struct CacheFront: CacheStore, AddonScopedService {
    let registry: SlotRegistry
    let addonID: String
    /// `addonID` and the separator, joined once: a call then appends the key to it, one
    /// allocation, where an interpolation of both built the key piece by piece.
    private let prefix: String

    init(registry: SlotRegistry, addonID: String) {
        self.registry = registry
        self.addonID = addonID
        self.prefix = addonID + ":"
    }

    func scoped(to addonID: String) -> any Sendable { CacheFront(registry: registry, addonID: addonID) }

    private func scope(_ key: String) -> String { prefix + key }

    func get(_ key: String) async throws -> [UInt8]? {
        if let (memory, target) = immediate() {
            return registry.counting(.cache, target) { memory.value(for: scope(key)) }
        }
        return try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.get(scope(key)) }
    }

    func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws {
        if let (memory, target) = immediate() {
            return try registry.counting(.cache, target) { () throws(HTTPError) in try memory.store(scope(key), value, ttl: ttl) }
        }
        try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.set(scope(key), value, ttl: ttl) }
    }

    @discardableResult
    func delete(_ key: String) async throws -> Bool {
        if let (memory, target) = immediate() {
            return registry.counting(.cache, target) { memory.remove(scope(key)) }
        }
        return try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.delete(scope(key)) }
    }

    func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 {
        if let (memory, target) = immediate() {
            return try registry.counting(.cache, target) { () throws(HTTPError) in try memory.add(delta, to: scope(key), ttl: ttl) }
        }
        return try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.increment(scope(key), by: delta, ttl: ttl) }
    }

    /// The built-in memory cache when it alone serves the slot: called without suspending.
    private func immediate() -> (MemoryCache, SlotRegistry.Target)? {
        guard let route = registry.immediateRoute(.cache), case .cache(let memory) = route.provider else { return nil }
        return (memory, route.target)
    }
}
