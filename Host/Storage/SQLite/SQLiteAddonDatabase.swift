import PluginAPI

/// An addon's database on SQLite: a file of its own that nothing else opens.
///
/// Each call runs one statement; transaction control goes through ``transaction(isolation:_:)``.
/// While one of the addon's transactions is open on the connection, these calls wait for it to end.
public struct SQLiteAddonDatabase: AddonDatabase {
    /// The connection to the addon's file.
    public let connection: SQLiteConnection

    /// Wraps a connection already restricted to its own file.
    public init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// `sqlite`.
    public var dialect: String { "sqlite" }

    /// Runs one statement; returns the number of rows changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try TransactionScope.refuseInside(ObjectIdentifier(connection))
        try SQLStatementText.refuseTransactionControl(sql)
        let caller = CallerIdentity.current
        return try await connection.runOutsideTransactions { connection in try connection.withCaller(caller) { try connection.executeLocked(sql, parameters) } }
    }

    /// Runs one query; returns its rows.
    public func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try TransactionScope.refuseInside(ObjectIdentifier(connection))
        try SQLStatementText.refuseTransactionControl(sql)
        let caller = CallerIdentity.current
        return try await connection.runOutsideTransactions { connection in try connection.withCaller(caller) { try connection.queryLocked(sql, parameters) } }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` … `COMMIT` transaction that owns the connection.
    public func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        try TransactionScope.refuseInside(ObjectIdentifier(connection))
        let transaction = try await SQLiteTransaction.begin(on: connection)
        return try await transaction.run(isolation: isolation, body)
    }
}
