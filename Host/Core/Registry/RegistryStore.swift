import Foundation

/// `addon_registry.json`: read at start, rewritten atomically after every change.
struct RegistryStore: Sendable {
    let path: String

    /// The registry's contents; a missing file is an empty registry.
    func load() throws -> [String: RegistryEntry] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(RegistryDocument.self, from: data).addons
        } catch {
            throw BerthError.internalError("registry_unreadable", "\(path) cannot be read: \(error)", cause: error)
        }
    }

    /// Replaces the registry's contents; a crash leaves the old file or the new one.
    func save(_ addons: [String: RegistryEntry]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(RegistryDocument(addons: addons))
        try FileSystem.writeAtomically(data + Data("\n".utf8), to: path) { FaultInjection.reach("registry.rename") }
    }
}
