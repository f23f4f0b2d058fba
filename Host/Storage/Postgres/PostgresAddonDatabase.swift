import PluginAPI

/// An addon's database on PostgreSQL: its own schema, reached only through connections confined
/// to its own role.
///
/// Each call runs one statement on a connection borrowed for that call; transaction control and
/// multi-statement texts are refused, since a `BEGIN` on a pooled connection would end when the
/// connection is returned (the pool also rolls back anything left open before lending it again).
/// ``transaction(isolation:_:)`` keeps one connection for its whole body.
public struct PostgresAddonDatabase: AddonDatabase {
    /// The addon's connections, each already confined to its role and schema.
    public let pool: PostgresPool

    /// How long one of the addon's transactions may stay open before it is rolled back.
    public let transactionTimeout: Duration

    /// Wraps a pool whose connections are confined to one addon.
    public init(pool: PostgresPool, transactionTimeout: Duration = TransactionLimits.defaultTimeout) {
        self.pool = pool
        self.transactionTimeout = transactionTimeout
    }

    /// `postgres`.
    public var dialect: String { "postgres" }

    /// Runs one statement; returns the number of rows changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try Self.check(sql, outside: pool)
        let caller = CallerIdentity.current
        return try await pool.withConnection { connection in
            try Self.bind(caller, on: connection)
            return try connection.execute(sql, parameters)
        }
    }

    /// Runs one query; returns its rows.
    public func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try Self.check(sql, outside: pool)
        let caller = CallerIdentity.current
        return try await pool.withConnection { connection in
            try Self.bind(caller, on: connection)
            return try connection.query(sql, parameters)
        }
    }

    /// Sets `berth.user_id` and `berth.claims` for the call when it runs for a caller; the
    /// connection's reset after the call empties them, so the next borrower never sees them.
    static func bind(_ caller: CallerIdentity.Value?, on connection: PostgresConnection) throws {
        guard let caller else { return }
        _ = try connection.query("SELECT set_config('berth.user_id', $1, false), set_config('berth.claims', $2, false)", [.text(caller.subject), .text(caller.claimsJSON)])
    }

    /// Runs `body` in one transaction on one connection, held until `COMMIT` or `ROLLBACK`.
    public func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        try TransactionScope.refuseInside(ObjectIdentifier(pool))
        let transaction = PostgresTransaction.begin(on: pool, timeout: transactionTimeout)
        return try await transaction.run(isolation: isolation, body)
    }

    /// Refuses what must not run through a single pooled call.
    static func check(_ sql: String, outside pool: PostgresPool) throws {
        try TransactionScope.refuseInside(ObjectIdentifier(pool))
        try checkStatement(sql)
    }

    /// Refuses transaction control and a text of several statements.
    static func checkStatement(_ sql: String) throws {
        try SQLStatementText.refuseTransactionControl(sql)
        if SQLStatementText.hasSeveralStatements(sql) { throw DatabaseError.multipleStatements(sql) }
    }
}
