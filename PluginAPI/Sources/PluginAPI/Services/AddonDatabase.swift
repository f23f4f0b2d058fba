/// The addon's own database, scoped to its namespace.
///
/// With SQLite every addon has a database file of its own; with PostgreSQL a schema and a role of its
/// own. Parameters are written `$1`, `$2`, … on both backends.
public protocol AddonDatabase: Sendable {
    /// The SQL dialect: `sqlite` or `postgres`.
    var dialect: String { get }

    /// Runs a statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int

    /// Runs a query and returns its rows.
    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow]
}

extension AddonDatabase {
    /// Runs a statement without parameters.
    @discardableResult
    public func execute(_ sql: String) async throws -> Int {
        try await execute(sql, [])
    }

    /// Runs a query without parameters.
    public func query(_ sql: String) async throws -> [SQLRow] {
        try await query(sql, [])
    }
}
