import PluginAPI

/// The answer to a successful install.
struct InstallReport: Encodable, Sendable {
    let id: String
    let version: String
    let state: String
    let mountPrefix: String
    let routes: [String]
    let permissions: [String]
    let migrations: [String]
    /// Whether the data kept at an earlier uninstall was reused.
    let reusedData: Bool
    let configuration: [String: JSONValue]
    let timingsMilliseconds: [String: Double]
}

/// The answer to an uninstall: what was removed, and the audit of what is left (empty when clean).
struct UninstallReport: Encodable, Sendable {
    struct Removed: Encodable, Sendable {
        let routes: [String]
        let migrationsReverted: [String]
        let database: String?
        let installPath: String
        let files: Int
        let subscriptions: Int
        let registryEntry: Bool
    }

    let id: String
    let version: String
    let removed: Removed
    /// Where the addon's data was kept, when the uninstall kept it.
    let keptData: String?
    /// Schema objects the down-migrations did not drop (deleted with the namespace anyway).
    let leftByDownMigrations: [String]
    let residue: [String]
    /// Dependents uninstalled first, with `cascade`.
    var cascaded: [UninstallReport]
    let timingsMilliseconds: [String: Double]
}

/// An installed addon as the admin API shows it.
struct AddonSummary: Encodable, Sendable {
    let id: String
    let version: String
    let state: String
    let loaded: Bool
    let mountPrefix: String
    let routes: [String]
    let permissions: [String]
    let migrations: [String]
    let configuration: [String: JSONValue]
    let signer: String
    let installedAt: String
    let inFlightRequests: Int
    let failure: String?
    /// Why the addon was deactivated after repeated crashes, if it was.
    let quarantined: Quarantine?
}
