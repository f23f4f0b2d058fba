import PluginAPI

/// Where addons keep their data: one isolated namespace per addon.
///
/// SQLite gives each addon a database file of its own; PostgreSQL a schema and a role of its own.
/// The install state machine only talks to this protocol, so both backends share it.
public protocol AddonDataBackend: Sendable {
    /// The SQL dialect migrations must be written in: `sqlite` or `postgres`.
    var dialect: String { get }

    /// Where addon `id`'s data lives, for messages and reports (a file, or a schema and role).
    func location(of id: String) -> String

    /// Whether addon `id`'s namespace exists.
    func namespaceExists(_ id: String) throws -> Bool

    /// Creates addon `id`'s empty namespace and opens it; fails if it already exists.
    func createNamespace(_ id: String) throws -> any AddonDataHandle

    /// Opens addon `id`'s existing namespace.
    func openNamespace(_ id: String) throws -> any AddonDataHandle

    /// Deletes addon `id`'s namespace and everything in it.
    /// - Returns: what was removed, for the uninstall report.
    func dropNamespace(_ id: String) throws -> [String]

    /// Anything of addon `id` still present in the database: empty after a clean uninstall.
    func residue(of id: String) -> [String]
}

/// An open namespace: the addon's database handle, and what migrations and audits need.
public protocol AddonDataHandle: MigrationTarget {
    /// The database as the addon sees it.
    var database: any AddonDatabase { get }

    /// Releases the connection(s).
    func close()
}
