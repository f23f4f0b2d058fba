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
        try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.get(scope(key)) }
    }

    func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws {
        try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.set(scope(key), value, ttl: ttl) }
    }

    @discardableResult
    func delete(_ key: String) async throws -> Bool {
        try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.delete(scope(key)) }
    }

    func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 {
        try await registry.deliver(.cache, as: (any CacheStore).self) { try await $0.increment(scope(key), by: delta, ttl: ttl) }
    }
}
