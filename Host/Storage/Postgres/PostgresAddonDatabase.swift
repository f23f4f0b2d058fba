import PluginAPI

/// An addon's database on PostgreSQL: its own schema, reached only through connections confined
/// to its own role.
public struct PostgresAddonDatabase: AddonDatabase {
    /// The addon's connections, each already confined to its role and schema.
    public let pool: PostgresPool

    /// Wraps a pool whose connections are confined to one addon.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// `postgres`.
    public var dialect: String { "postgres" }

    /// Runs a statement; returns the number of rows changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try await pool.withConnection { try $0.execute(sql, parameters) }
    }

    /// Runs a query; returns its rows.
    public func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try await pool.withConnection { try $0.query(sql, parameters) }
    }
}
