/// The addon's own database, scoped to its namespace.
///
/// With SQLite every addon has a database file of its own; with PostgreSQL a schema and a role of its
/// own. Parameters are written `$1`, `$2`, … on both backends.
///
/// A call runs exactly one statement: a text holding several (`"A; B"`) is refused with
/// ``DatabaseError`` code `multiple_statements`, and transaction control (`BEGIN`, `COMMIT`,
/// `ROLLBACK`, `SAVEPOINT`, …) with code `transaction_control`: use ``transaction(_:isolation:)``,
/// which keeps one connection for the whole transaction.
public protocol AddonDatabase: Sendable {
    /// The SQL dialect: `sqlite` or `postgres`.
    var dialect: String { get }

    /// Runs a statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int

    /// Runs a query and returns its rows.
    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow]

    /// Runs `body` in one transaction; call ``transaction(_:isolation:)`` instead, which fills in
    /// `isolation`.
    ///
    /// The database a transaction hands to `body` implements this requirement with a savepoint.
    /// Added in PluginAPI 1.2.0; the default refuses with code `transactions_unsupported`, so
    /// databases written against 1.1.0 keep working.
    func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T
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

    /// Refuses: this database predates transactions (PluginAPI 1.1.0).
    public func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        throw DatabaseError.transactionsUnsupported(dialect: dialect)
    }

    /// Runs `body` in one transaction: it commits when `body` returns and rolls back when `body`
    /// throws (the error is rethrown).
    ///
    /// ```swift
    /// let id = try await context.database.transaction { tx in
    ///     let rows = try await tx.query("INSERT INTO notes (title) VALUES ($1) RETURNING id", [.text(title)])
    ///     try await tx.execute("UPDATE counters SET notes = notes + 1")
    ///     return rows[0]["id"]?.integer
    /// }
    /// ```
    ///
    /// - Statements go through `tx`, the transaction's own connection. Until the transaction ends,
    ///   the addon's other requests do not see its writes (and on SQLite wait for it to end).
    ///   Using the outer database inside `body` is refused with code `database_in_transaction`,
    ///   since it would wait for the transaction it is part of.
    /// - `tx.transaction { inner in … }` opens a savepoint: an error thrown by the inner body
    ///   undoes the inner work only.
    /// - A transaction has a deadline set by the host (5 seconds unless the host says otherwise):
    ///   past it, the running statement is cancelled, the transaction is rolled back, its
    ///   connection released, and every later use of `tx` and the transaction itself throw code
    ///   `transaction_timed_out`.
    /// - On PostgreSQL a statement that failed inside the transaction aborts it: committing then
    ///   rolls back and throws code `transaction_aborted`, unless the failure was inside a savepoint
    ///   that was undone.
    public func transaction<T>(_ body: (any AddonDatabase) async throws -> T, isolation: isolated (any Actor)? = #isolation) async throws -> T {
        try await transaction(isolation: isolation, body)
    }
}
