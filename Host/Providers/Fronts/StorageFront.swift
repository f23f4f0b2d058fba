import PluginAPI

/// The storage slot as one addon reaches it: its keys live under `<addon id>/`.
struct StorageFront: ObjectStorage, AddonScopedService {
    let registry: SlotRegistry
    let addonID: String

    func scoped(to addonID: String) -> any Sendable { StorageFront(registry: registry, addonID: addonID) }

    private var prefix: String { addonID + "/" }

    private func scope(_ key: String) throws -> String {
        guard !key.isEmpty, !key.hasPrefix("/"), !key.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
              !key.utf8.contains(0) else {
            throw ProviderError.invalidArgument("object key '\(key)' must be relative, without empty, '.' or '..' parts").httpError
        }
        return prefix + key
    }

    private func unscoped(_ object: StoredObject) -> StoredObject {
        var object = object
        if object.key.hasPrefix(prefix) { object.key = String(object.key.dropFirst(prefix.count)) }
        return object
    }

    private func call<T: Sendable>(_ body: (any ObjectStorage) async throws -> T) async throws -> T {
        try await registry.deliver(.storage, as: (any ObjectStorage).self, body)
    }

    func put(_ key: String, _ data: [UInt8], contentType: String?) async throws -> StoredObject {
        let key = try scope(key)
        return unscoped(try await call { try await $0.put(key, data, contentType: contentType) })
    }

    func get(_ key: String) async throws -> [UInt8]? {
        let key = try scope(key)
        return try await call { try await $0.get(key) }
    }

    func head(_ key: String) async throws -> StoredObject? {
        let key = try scope(key)
        return try await call { try await $0.head(key) }.map(unscoped)
    }

    @discardableResult
    func delete(_ key: String) async throws -> Bool {
        let key = try scope(key)
        return try await call { try await $0.delete(key) }
    }

    func list(prefix listPrefix: String) async throws -> [StoredObject] {
        let full = prefix + listPrefix
        return try await call { try await $0.list(prefix: full) }.map(unscoped)
    }

    func presignedGetURL(_ key: String, expiry: Duration) async throws -> PresignedURL {
        let key = try scope(key)
        return try await call { try await $0.presignedGetURL(key, expiry: expiry) }
    }

    func presignedPutURL(_ key: String, contentType: String?, expiry: Duration) async throws -> PresignedURL {
        let key = try scope(key)
        return try await call { try await $0.presignedPutURL(key, contentType: contentType, expiry: expiry) }
    }
}
