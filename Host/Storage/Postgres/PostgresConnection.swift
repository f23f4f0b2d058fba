import CPostgres
import PluginAPI
import Synchronization

/// One connection to PostgreSQL, safe to use from any thread; calls block the calling thread.
///
/// Statements with parameters are prepared once per SQL text (and parameter types) and reused.
/// `@unchecked Sendable`: `handle`, `statements` and `nextStatement` are only
/// touched while `lock` is held, and libpq allows one thread at a time on a connection.
public final class PostgresConnection: @unchecked Sendable {
    /// How many prepared statements to keep before starting over; 0 disables preparing.
    public let statementCacheCapacity: Int

    private let lock = Mutex(())
    private var handle: OpaquePointer?
    private var statements: [String: String] = [:]
    private var nextStatement = 0

    /// Connects to `url` (`postgres://user:password@host:port/database`), as `user` with
    /// `password` instead of the URL's when they are given.
    public init(url: String, user: String? = nil, password: String? = nil, statementCacheCapacity: Int = 256) throws {
        self.statementCacheCapacity = statementCacheCapacity
        handle = try LibPQ.connect(url, user: user, password: password)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Closes the connection; later calls fail.
    public func close() {
        lock.withLock { _ in closeLocked() }
    }

    /// Whether the connection is open and healthy.
    public var isUsable: Bool {
        lock.withLock { _ in handle.map(LibPQ.isOK) ?? false }
    }

    /// A parameter the server reports, e.g. `session_authorization` or `server_version`.
    public func parameterStatus(_ name: String) -> String? {
        lock.withLock { _ in handle.flatMap { LibPQ.parameterStatus($0, name) } }
    }

    /// Runs one or more statements without parameters or results (the simple query protocol).
    public func executeScript(_ sql: String) throws {
        try lock.withLock { _ in _ = try withOpenHandle(sql) { try LibPQ.exec($0, sql) } }
    }

    /// Runs a statement with `$1`-style parameters; returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        try lock.withLock { _ in try run(sql, parameters).affectedRows }
    }

    /// Runs a query with `$1`-style parameters and returns every row.
    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
        try lock.withLock { _ in try run(sql, parameters).rows() }
    }

    /// Runs `script` (several statements allowed) in one transaction: all of it applies, or, if a
    /// statement fails, none of it.
    public func transaction(_ script: String) throws {
        try lock.withLock { _ in
            _ = try withOpenHandle("BEGIN") { try LibPQ.exec($0, "BEGIN") }
            do {
                _ = try withOpenHandle(script) { try LibPQ.exec($0, script) }
                _ = try withOpenHandle("COMMIT") { try LibPQ.exec($0, "COMMIT") }
            } catch {
                if let handle { _ = try? LibPQ.exec(handle, "ROLLBACK") }
                throw error
            }
        }
    }

    /// `password` as the server would store it for `user`, for `CREATE ROLE … PASSWORD`.
    func encryptedPassword(_ password: String, for user: String) throws -> String {
        try lock.withLock { _ in try withOpenHandle("PQencryptPasswordConn") { try LibPQ.encryptPassword($0, password, user: user) } }
    }

    /// Readies the connection for its next user: rolls back a transaction left open. Returns
    /// whether it can be reused.
    func recycle() -> Bool {
        lock.withLock { _ in
            guard let handle, LibPQ.isOK(handle) else { return false }
            if !LibPQ.isIdle(handle) {
                _ = try? LibPQ.exec(handle, "ROLLBACK")
            }
            return LibPQ.isOK(handle) && LibPQ.isIdle(handle)
        }
    }

    // MARK: - Under the lock

    private func run(_ sql: String, _ parameters: [SQLValue]) throws -> PostgresResult {
        let encoded = try PostgresValueCoding.Parameters(parameters, sql: sql)
        guard statementCacheCapacity > 0 else {
            return try withOpenHandle(sql) { handle in
                try encoded.withCArrays { values, lengths, formats in
                    try LibPQ.check(PQexecParams(handle, sql, encoded.count, encoded.types, values, lengths, formats, 0), on: handle, sql: sql)
                }
            }
        }
        do {
            return try runPrepared(sql, encoded)
        } catch let error as PostgresError where isStalePreparedStatement(error) {
            // A migration changed a table under a prepared statement, or the addon ran
            // `DEALLOCATE`: prepare it again, once.
            statements[sql + "\u{1}" + encoded.typeSignature] = nil
            return try runPrepared(sql, encoded)
        }
    }

    private func runPrepared(_ sql: String, _ encoded: PostgresValueCoding.Parameters) throws -> PostgresResult {
        let key = sql + "\u{1}" + encoded.typeSignature
        let name: String
        if let cached = statements[key] {
            name = cached
        } else {
            if statements.count >= statementCacheCapacity, let handle {
                _ = try? LibPQ.exec(handle, "DEALLOCATE ALL")
                statements.removeAll()
            }
            nextStatement += 1
            name = "berth_\(nextStatement)"
            _ = try withOpenHandle(sql) { handle in
                try LibPQ.check(PQprepare(handle, name, sql, encoded.count, encoded.types), on: handle, sql: sql)
            }
            statements[key] = name
        }
        return try withOpenHandle(sql) { handle in
            try encoded.withCArrays { values, lengths, formats in
                try LibPQ.check(PQexecPrepared(handle, name, encoded.count, values, lengths, formats, 0), on: handle, sql: sql)
            }
        }
    }

    private func isStalePreparedStatement(_ error: PostgresError) -> Bool {
        guard let handle, LibPQ.isIdle(handle) else { return false }
        return error.sqlState == "26000" || (error.sqlState == "0A000" && error.message.contains("cached plan"))
    }

    /// Runs `body` on the open handle.
    private func withOpenHandle<R>(_ sql: String, _ body: (OpaquePointer) throws -> R) throws -> R {
        guard let handle else {
            throw PostgresError.connectionLost("the connection is closed", sql: sql)
        }
        return try body(handle)
    }

    private func closeLocked() {
        if let handle { PQfinish(handle) }
        handle = nil
        statements.removeAll()
    }
}
