import PluginAPI

/// What the registry records of one installed addon: enough to load it at start, to check its
/// files, and to remove every trace of it.
public struct RegistryEntry: Codable, Sendable, Hashable {
    /// Whether the addon's routes are mounted.
    public enum State: String, Codable, Sendable {
        /// Loaded, started and mounted.
        case active
        /// Installed with its data, not mounted.
        case inactive
    }

    /// The addon's id.
    public var id: String
    /// The installed version.
    public var version: String
    /// Active or inactive.
    public var state: State
    /// The mount prefix of its routes.
    public var mountPrefix: String
    /// Its install folder, relative to the home.
    public var installPath: String
    /// Its library, relative to the install folder.
    public var library: String
    /// Its database, relative to the home.
    public var database: String
    /// Every installed file, relative to the install folder → SHA-256, checked at start.
    public var files: [String: String]
    /// Ids of the applied migrations, in order.
    public var appliedMigrations: [String]
    /// Permissions granted at install.
    public var permissions: [String]
    /// The configuration, validated against the manifest's schema.
    public var configuration: [String: JSONValue]
    /// The key id that signed the package.
    public var signer: String
    /// SHA-256 of the package archive.
    public var packageSHA256: String
    /// When it was installed (ISO 8601).
    public var installedAt: String
    /// Set when the supervisor took the addon out of service after repeated crashes.
    public var quarantine: Quarantine? = nil
    /// The admin's replacements for the manifest's route and CORS policies, kept across upgrades.
    public var policyOverrides: PolicyOverrides? = nil
    /// The admin's error threshold for this addon; nil: the host's (`BERTH_ERROR_THRESHOLD`).
    public var errorThreshold: ErrorThreshold? = nil
}

/// The whole registry file.
struct RegistryDocument: Codable, Sendable {
    var format = 1
    var addons: [String: RegistryEntry] = [:]
}
