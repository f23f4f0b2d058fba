import BerthPackages
import Foundation
import PluginAPI

/// `addon_registry.json`: read at start, rewritten atomically (mode 0600) after every change.
///
/// Addons' configurations are stored sealed (AES-256-GCM, ``SealingKey``): an entry's
/// `configuration` on disk is `{"$sealed": "<base64>"}`, so secrets such as API keys never sit in
/// the file in plain text. A registry written before sealing existed is read as it is and sealed
/// the next time it is saved (at start at the latest, see ``sealIfNeeded()``).
struct RegistryStore: Sendable {
    let path: String
    /// The sealing key's file, `.berth/secret.key` beside the registry.
    let keyFile: String

    init(path: String, keyFile: String? = nil) {
        self.path = path
        self.keyFile = keyFile ?? ((path as NSString).deletingLastPathComponent + "/.berth/secret.key")
    }

    static let sealedField = "$sealed"

    /// The registry's contents, configurations opened; a missing file is an empty registry.
    func load() throws -> [String: RegistryEntry] {
        try loadDocument().addons
    }

    /// Replaces the registry's contents; a crash leaves the old file or the new one.
    func save(_ addons: [String: RegistryEntry]) throws {
        let box = try SealingKey.loadOrCreate(at: keyFile)
        var sealed = addons
        for (id, entry) in addons where !entry.configuration.isEmpty {
            sealed[id]?.configuration = try seal(entry.configuration, of: id, with: box)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(RegistryDocument(addons: sealed))
        try FileSystem.writeAtomically(data + Data("\n".utf8), to: path, mode: 0o600) { FaultInjection.reach("registry.rename") }
        // The copy a damaged or deleted registry is restored from (see RegistryStore+Recovery).
        try? FileSystem.writeAtomically(data + Data("\n".utf8), to: lastGoodPath, mode: 0o600)
    }

    /// Rewrites a registry that still holds a configuration in plain text (or is readable by
    /// others) sealed and 0600. Returns whether it did.
    @discardableResult
    func sealIfNeeded() throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let document = try loadDocument()
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o600
        guard document.hadPlaintext || mode & 0o077 != 0 else { return false }
        try save(document.addons)
        return true
    }

    private func loadDocument() throws -> (addons: [String: RegistryEntry], hadPlaintext: Bool) {
        guard FileManager.default.fileExists(atPath: path) else { return ([:], false) }
        var addons: [String: RegistryEntry]
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            addons = try JSONDecoder().decode(RegistryDocument.self, from: data).addons
        } catch {
            throw BerthError.internalError("registry_unreadable", "\(path) cannot be read: \(error). \(restoreAdvice())", cause: error)
        }
        var hadPlaintext = false
        var box: SecretBox?
        for (id, entry) in addons {
            guard case .string(let sealed)? = entry.configuration[Self.sealedField], entry.configuration.count == 1 else {
                if !entry.configuration.isEmpty { hadPlaintext = true }
                continue
            }
            if box == nil { box = try SealingKey.loadOrCreate(at: keyFile) }
            addons[id]?.configuration = try open(sealed, of: id, with: box!)
        }
        return (addons, hadPlaintext)
    }

    private func seal(_ configuration: [String: JSONValue], of id: String, with box: SecretBox) throws -> [String: JSONValue] {
        let plaintext = try JSONEncoder().encode(configuration)
        let sealed = try box.seal(Array(plaintext), context: Array("berth.registry.\(id)".utf8))
        return [Self.sealedField: .string(Data(sealed).base64EncodedString())]
    }

    private func open(_ text: String, of id: String, with box: SecretBox) throws -> [String: JSONValue] {
        do {
            guard let sealed = Data(base64Encoded: text) else { throw BerthError.internalError("registry_unreadable", "the sealed value is not base64") }
            let plaintext = try box.open(Array(sealed), context: Array("berth.registry.\(id)".utf8))
            return try JSONDecoder().decode([String: JSONValue].self, from: Data(plaintext))
        } catch {
            throw BerthError.internalError(
                "registry_unreadable",
                "the configuration of \(id) in \(path) does not open with \(keyFile): \(error). Restore the key file that was backed up with this registry",
                cause: error
            )
        }
    }
}
