import PluginAPI

extension AddonManager {
    /// The addon's configuration, sensitive values redacted.
    struct ConfigurationReport: Encodable, Sendable {
        let id: String
        let configuration: [String: JSONValue]
        let sensitiveKeys: [String]
        let schema: JSONValue?
    }

    func configuration(of id: String) throws -> ConfigurationReport {
        refreshRegistryFromDisk()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        return ConfigurationReport(
            id: id, configuration: ConfigurationSchema.redact(entry.configuration, sensitiveKeys: manifest.sensitiveKeys),
            sensitiveKeys: manifest.sensitiveKeys, schema: manifest.configSchema
        )
    }

    /// Merges `changes` into the configuration (`null` removes a key, falling back to its default),
    /// validates the result, stores it, and tells the addon.
    func updateConfiguration(of id: String, changes: [String: JSONValue]) async throws -> ConfigurationReport {
        try await mutation("configure \(id)") { try await performConfigurationUpdate(of: id, changes: changes) }
    }

    private func performConfigurationUpdate(of id: String, changes: [String: JSONValue]) async throws -> ConfigurationReport {
        guard var entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        let previous = entry.configuration
        let merged = ConfigurationSchema.merge(changes, into: entry.configuration, sensitiveKeys: manifest.sensitiveKeys)
        entry.configuration = try resolveConfiguration(manifest, provided: merged)
        registry[id] = entry
        do {
            try save()
        } catch {
            registry[id]?.configuration = previous
            throw error
        }
        if let addon = running[id] {
            addon.settings.values = entry.configuration
            await addon.library.addon.configurationDidChange(addon.settings.configuration, context: addon.context)
        }
        await publishLifecycle("configured", id: id, version: entry.version, detail: "keys: \(changes.keys.sorted().joined(separator: ", "))")
        return try configuration(of: id)
    }
}
