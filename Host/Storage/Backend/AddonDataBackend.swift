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

    /// The connection pool's figures, or nil for a backend without a pool (SQLite).
    var poolUsage: PoolUsage? { get }
}

extension AddonDataHandle {
    /// By default no pool.
    public var poolUsage: PoolUsage? { nil }
}

/// What a connection pool holds now.
public struct PoolUsage: Sendable, Equatable {
    /// Connections open (lent or idle).
    public var open: Int
    /// Connections lent to a call now.
    public var inUse: Int
    /// Calls waiting for a connection.
    public var waiting: Int
    /// The most connections the pool opens.
    public var capacity: Int

    /// Creates the figures.
    public init(open: Int, inUse: Int, waiting: Int, capacity: Int) {
        self.open = open
        self.inUse = inUse
        self.waiting = waiting
        self.capacity = capacity
    }
}
