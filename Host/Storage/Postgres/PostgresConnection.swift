import CPostgres
import Dispatch
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

    /// Run by ``recycle()`` before the connection's next use, e.g. to put back session settings
    /// the last user may have changed; nil: nothing.
    public let resetScript: String?

    /// The most rows and bytes one query may return; nil: no bound.
    public let resultLimits: ResultLimits?

    /// Bounds of one query's result: rows arrive one at a time (libpq's single-row mode), so a
    /// result past them is refused having held no more than the limit.
    public struct ResultLimits: Sendable, Hashable {
        /// The most rows.
        public var rows: Int
        /// The most bytes of values (as the server sent them).
        public var bytes: Int

        /// Bounds of `rows` rows and `bytes` bytes.
        public init(rows: Int, bytes: Int) {
            self.rows = rows
            self.bytes = bytes
        }
    }

    private let lock = Mutex(())
    private var handle: OpaquePointer?
    private var statements: [String: String] = [:]
    private var nextStatement = 0
    /// libpq's cancel object, usable from any thread while the connection is busy on another:
    /// behind a lock of its own, never the connection's.
    private let canceller: Mutex<OpaquePointer?>

    /// Connects to `url` (`postgres://user:password@host:port/database`), as `user` with
    /// `password` instead of the URL's when they are given.
    public init(url: String, user: String? = nil, password: String? = nil, statementCacheCapacity: Int = 256, resetScript: String? = nil,
                resultLimits: ResultLimits? = nil) throws {
        self.statementCacheCapacity = statementCacheCapacity
        self.resetScript = resetScript
        self.resultLimits = resultLimits
        let connected = try LibPQ.connect(url, user: user, password: password)
        handle = connected
        canceller = Mutex(PQgetCancel(connected))
    }

    deinit {
        if let handle { PQfinish(handle) }
        canceller.withLock { if let cancel = $0 { PQfreeCancel(cancel) } }
    }

    /// Asks the server to cancel the statement running on this connection, from any thread; a
    /// connection that runs nothing is not affected. The statement fails with `57014`.
    public func cancel() {
        canceller.withLock { cancel in
            guard let cancel else { return }
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &message, Int32(message.count))
        }
    }

    /// Runs `body`, cancelling whatever statement it runs on this connection once `limit` has
    /// passed: the bound is the host's clock, which no SQL can change. A statement cancelled that
    /// way fails with ``PostgresError`` code `postgres_statement_timeout` naming `setting`.
    public func withDeadline<R>(_ limit: Duration?, setting: String, _ body: () throws -> R) throws -> R {
        guard let limit else { return try body() }
        let deadline = Deadline()
        let item = DispatchWorkItem { [self] in
            deadline.fire { self.cancel() }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(limit.components.seconds) * 1_000_000_000 + Int(limit.components.attoseconds / 1_000_000_000)), execute: item)
        defer {
            deadline.disarm()
            item.cancel()
        }
        do {
            return try body()
        } catch let error as PostgresError where error.sqlState == "57014" && deadline.hasFired {
            throw PostgresError.statementTimeout(limit, setting: setting, cause: error)
        }
    }

    /// Whether a deadline fired, and whether it still may: the cancel is sent under the lock, so
    /// none goes out once the guarded call has returned.
    private final class Deadline: Sendable {
        private let state = Mutex((armed: true, fired: false))

        func fire(_ cancel: () -> Void) {
            state.withLock { state in
                guard state.armed else { return }
                state.fired = true
                cancel()
            }
        }

        func disarm() { state.withLock { $0.armed = false } }

        var hasFired: Bool { state.withLock { $0.fired } }
    }

    /// Closes the connection; later calls fail.
    public func close() {
        lock.withLock { _ in closeLocked() }
    }

    /// Whether the connection is open and healthy.
    public var isUsable: Bool {
        lock.withLock { _ in handle.map(LibPQ.isOK) ?? false }
    }

    /// Whether the connection is open, idle and still there: reads what the server sent while it
    /// sat idle (no round trip), which shows a backend that was terminated or a server that
    /// restarted, so a stale connection is replaced before a statement is sent on it.
    public func checkAlive() -> Bool {
        lock.withLock { _ in
            guard let handle, LibPQ.isOK(handle) else { return false }
            return LibPQ.isAliveWhileIdle(handle)
        }
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
        try lock.withLock { _ in try run(sql, parameters).affected }
    }

    /// Runs a query with `$1`-style parameters and returns every row.
    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
        try lock.withLock { _ in try run(sql, parameters).rows }
    }

    /// Runs `script` (several statements allowed) in one transaction: all of it applies, or, if a
    /// statement fails, none of it.
    public func transaction(_ script: String) throws {
        try lock.withLock { _ in
            _ = try withOpenHandle("BEGIN") { try LibPQ.exec($0, "BEGIN") }
            do {
                _ = try withOpenHandle(script) { handle in
                    _ = try LibPQ.exec(handle, script)
                    // The script ended or prepared the transaction itself: what followed ran
                    // outside it, and COMMIT would not say so.
                    guard PQtransactionStatus(handle) == PQTRANS_INTRANS else {
                        throw PostgresError.unexpectedResult("the script ended the transaction it ran in", sql: script)
                    }
                }
                _ = try withOpenHandle("COMMIT") { try LibPQ.exec($0, "COMMIT") }
            } catch {
                if let handle { _ = try? LibPQ.exec(handle, "ROLLBACK") }
                throw error
            }
        }
    }

    /// Runs `statements` in one transaction, each on its own through the extended protocol (which
    /// refuses a text holding more than one statement): all of them apply, or none.
    public func transaction(statements: [String]) throws {
        try lock.withLock { _ in
            _ = try withOpenHandle("BEGIN") { try LibPQ.exec($0, "BEGIN") }
            do {
                for statement in statements {
                    _ = try withOpenHandle(statement) { handle in
                        let result = try LibPQ.check(PQexecParams(handle, statement, 0, nil, nil, nil, nil, 0), on: handle, sql: statement)
                        guard PQtransactionStatus(handle) == PQTRANS_INTRANS else {
                            throw PostgresError.unexpectedResult("a statement ended the transaction it ran in", sql: statement)
                        }
                        return result
                    }
                }
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
            if let resetScript, LibPQ.isOK(handle), LibPQ.isIdle(handle) {
                guard (try? LibPQ.exec(handle, resetScript)) != nil else { return false }
            }
            LibPQ.discardNotifications(handle)
            return LibPQ.isOK(handle) && LibPQ.isIdle(handle)
        }
    }

    // MARK: - Under the lock

    private func run(_ sql: String, _ parameters: [SQLValue]) throws -> (rows: [SQLRow], affected: Int) {
        let encoded = try PostgresValueCoding.Parameters(parameters, sql: sql)
        defer { if let handle { LibPQ.discardNotifications(handle) } }
        guard statementCacheCapacity > 0 else {
            return try withOpenHandle(sql) { handle in
                let sent = encoded.withCArrays { values, lengths, formats in
                    PQsendQueryParams(handle, sql, encoded.count, encoded.types, values, lengths, formats, 0)
                }
                return try receive(sent, on: handle, sql: sql)
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

    private func runPrepared(_ sql: String, _ encoded: PostgresValueCoding.Parameters) throws -> (rows: [SQLRow], affected: Int) {
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
            let sent = encoded.withCArrays { values, lengths, formats in
                PQsendQueryPrepared(handle, name, encoded.count, values, lengths, formats, 0)
            }
            return try receive(sent, on: handle, sql: sql)
        }
    }

    /// Reads the results of the query just sent (`sent` is what the `PQsend…` call returned), a
    /// row at a time when the connection has ``resultLimits``. Past a limit the statement is
    /// cancelled, what is still coming is read and dropped, and the call fails.
    private func receive(_ sent: Int32, on handle: OpaquePointer, sql: String) throws -> (rows: [SQLRow], affected: Int) {
        guard sent == 1 else { throw PostgresError.connectionLost(LibPQ.errorMessage(handle), sql: sql) }
        if resultLimits != nil { _ = PQsetSingleRowMode(handle) }
        var rows: [SQLRow] = []
        var affected = 0
        var bytes = 0
        var failure: (any Error)?
        while let next = PQgetResult(handle) {
            if failure != nil {
                PQclear(next)
                continue
            }
            if PQresultStatus(next) == PGRES_SINGLE_TUPLE {
                let result = PostgresResult(next)
                bytes += result.valueBytes
                rows += result.rows()
                if let limits = resultLimits, rows.count > limits.rows || bytes > limits.bytes {
                    let what = rows.count > limits.rows ? "more than \(limits.rows) rows (BERTH_DATABASE_MAX_ROWS)" : "more than \(limits.bytes) bytes (BERTH_DATABASE_MAX_RESULT_BYTES)"
                    failure = PostgresError.resultTooLarge("the result has \(what); refused: select fewer rows or columns, or page with LIMIT", sql: sql)
                    rows = []
                    cancel()
                }
                continue
            }
            do {
                let result = try LibPQ.check(next, on: handle, sql: sql)
                affected = result.affectedRows
                rows += result.rows()
            } catch {
                failure = error
                rows = []
            }
        }
        if let failure { throw failure }
        return (rows, affected)
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
        canceller.withLock { cancel in
            if let existing = cancel { PQfreeCancel(existing) }
            cancel = nil
        }
    }
}
