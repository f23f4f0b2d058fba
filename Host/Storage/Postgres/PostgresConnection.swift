import CPostgres
import PluginAPI
import Synchronization

/// One connection to PostgreSQL, safe to use from any thread; calls block the calling thread.
///
/// Statements with parameters are prepared once per SQL text (and parameter types) and reused.
/// `@unchecked Sendable`: `handle`, `statements`, `nextStatement` and `confinedRole` are only
/// touched while `lock` is held, and libpq allows one thread at a time on a connection.
public final class PostgresConnection: @unchecked Sendable {
    /// How many prepared statements to keep before starting over; 0 disables preparing.
    public let statementCacheCapacity: Int

    private let lock = Mutex(())
    private var handle: OpaquePointer?
    private var statements: [String: String] = [:]
    private var nextStatement = 0
    private var confinedRole: String?

    /// Connects to `url` (`postgres://user:password@host:port/database`).
    public init(url: String, statementCacheCapacity: Int = 256) throws {
        self.statementCacheCapacity = statementCacheCapacity
        handle = try LibPQ.connect(url)
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
        try lock.withLock { _ in _ = try guarded(sql) { try LibPQ.exec($0, sql) } }
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
            _ = try guarded("BEGIN") { try LibPQ.exec($0, "BEGIN") }
            do {
                _ = try guarded(script) { try LibPQ.exec($0, script) }
                _ = try guarded("COMMIT") { try LibPQ.exec($0, "COMMIT") }
            } catch {
                if let handle { _ = try? LibPQ.exec(handle, "ROLLBACK") }
                throw error
            }
        }
    }

    /// Makes every later statement run as `role` (which must not be a superuser), with `schema`
    /// alone on the search path; a statement that changes the session's role closes the connection.
    ///
    /// `SET SESSION AUTHORIZATION` rather than `SET ROLE`: after it the session user is `role`
    /// itself, so the addon's SQL cannot `SET ROLE` to any role `role` is not a member of (another
    /// addon's, or the host's). Only the session authorization itself can still be reset, which the
    /// server reports after every statement; that report is checked here.
    public func confine(role: String, schema: String) throws {
        try lock.withLock { _ in
            let sql = "SET SESSION AUTHORIZATION \(PostgresIdentifiers.quote(role)); SET search_path = \(PostgresIdentifiers.quote(schema))"
            _ = try guarded(sql) { try LibPQ.exec($0, sql) }
            confinedRole = role
            try checkConfinement(sql: sql)
        }
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
            return try guarded(sql) { handle in
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
            _ = try guarded(sql) { handle in
                try LibPQ.check(PQprepare(handle, name, sql, encoded.count, encoded.types), on: handle, sql: sql)
            }
            statements[key] = name
        }
        return try guarded(sql) { handle in
            try encoded.withCArrays { values, lengths, formats in
                try LibPQ.check(PQexecPrepared(handle, name, encoded.count, values, lengths, formats, 0), on: handle, sql: sql)
            }
        }
    }

    private func isStalePreparedStatement(_ error: PostgresError) -> Bool {
        guard let handle, LibPQ.isIdle(handle) else { return false }
        return error.sqlState == "26000" || (error.sqlState == "0A000" && error.message.contains("cached plan"))
    }

    /// Runs `body` on the open handle, then checks the session still has its confined role,
    /// whether or not `body` succeeded.
    private func guarded<R>(_ sql: String, _ body: (OpaquePointer) throws -> R) throws -> R {
        guard let handle else {
            throw PostgresError.connectionLost("the connection is closed", sql: sql)
        }
        let result = Result { try body(handle) }
        try checkConfinement(sql: sql)
        return try result.get()
    }

    private func checkConfinement(sql: String) throws {
        guard let role = confinedRole, let handle else { return }
        let now = LibPQ.parameterStatus(handle, "session_authorization") ?? "?"
        let superuser = LibPQ.parameterStatus(handle, "is_superuser") ?? "?"
        if now != role || superuser != "off" {
            closeLocked()
            throw PostgresError.confinementBroken(role: role, now: superuser == "on" ? "\(now) (superuser)" : now, sql: sql)
        }
    }

    private func closeLocked() {
        if let handle { PQfinish(handle) }
        handle = nil
        statements.removeAll()
    }
}
