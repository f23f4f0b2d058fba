import PluginAPI

/// An addon's database on SQLite: a file of its own that nothing else opens.
public struct SQLiteAddonDatabase: AddonDatabase {
    /// The connection to the addon's file.
    public let connection: SQLiteConnection

    /// Wraps a connection already restricted to its own file.
    public init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// `sqlite`.
    public var dialect: String { "sqlite" }

    /// Runs a statement; returns the number of rows changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try connection.execute(sql, parameters)
    }

    /// Runs a query; returns its rows.
    public func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try connection.query(sql, parameters)
    }
}
