import CSQLite
import Dispatch
import PluginAPI
import Synchronization

/// One SQLite database file, safe to use from any thread.
///
/// An addon's transaction owns the connection from `BEGIN` to `COMMIT`: while one is open, the
/// addon's other statements wait (suspended, holding no thread) until it ends, so they neither see
/// its uncommitted writes nor slip into it. See `SQLiteConnection+Transaction.swift`.
///
/// `@unchecked Sendable`: `handle`, `statements`, `transactionOwner` and `gateWaiters` are only
/// touched while `lock` is held.
public final class SQLiteConnection: @unchecked Sendable {
    /// The database file's path.
    public let path: String

    /// How long an addon's transaction may stay open before it is rolled back.
    public let transactionTimeout: Duration

    private let lock = Mutex(())
    private var handle: OpaquePointer?
    /// A copy of `handle` for ``interrupt()``, which must not wait for `lock` (the statement to
    /// interrupt holds it); cleared before the handle is closed.
    private let interruptHandle = Mutex<UInt>(0)
    private var statements: [String: SQLiteStatement] = [:]
    /// The open addon transaction, if any.
    private var transactionOwner: UInt64?
    /// Statements and transactions waiting for the open transaction to end.
    private var gateWaiters: [CheckedContinuation<Void, Never>] = []
    /// When the running statement is interrupted (monotonic nanoseconds; 0: never); read by
    /// SQLite's progress handler on the thread running the statement.
    let interruptDeadline = InterruptDeadline()
    /// The caller of the running statement, for `berth_user_id()` and `berth_claims()`.
    let callerCell = CallerCell()

    /// Opens (creating if needed) the database at `path`, in WAL mode with foreign keys on; an
    /// addon's transaction on it may stay open for `transactionTimeout`.
    public init(path: String, transactionTimeout: Duration = TransactionLimits.defaultTimeout) throws {
        self.path = path
        self.transactionTimeout = transactionTimeout
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        if result != SQLITE_OK {
            let detail = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError.open(path, result, detail)
        }
        sqlite3_busy_timeout(handle, 5000)
        // Every 1,000 virtual machine steps: stop the statement once an addon transaction's
        // deadline has passed. The connection keeps `interruptDeadline` alive as long as the handle.
        sqlite3_progress_handler(handle, 1000, { context in
            guard let context else { return 0 }
            return Unmanaged<InterruptDeadline>.fromOpaque(context).takeUnretainedValue().hasPassed ? 1 : 0
        }, Unmanaged.passUnretained(interruptDeadline).toOpaque())
        Self.registerCallerFunctions(on: handle, cell: callerCell)
        self.handle = handle
        interruptHandle.withLock { $0 = UInt(bitPattern: handle) }
        try enterWriteAheadLog()
        try executeScript("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;")
    }

    /// Switches the file to WAL. Processes that open a fresh file at the same moment (the workers
    /// of one host at start) each read it in rollback mode and ask for the exclusive lock the switch
    /// needs; SQLite answers all but one `SQLITE_BUSY` at once, since waiting could deadlock. So a
    /// busy switch is tried again, with jitter, for as long as the busy timeout would have waited.
    private func enterWriteAheadLog() throws {
        let deadline = ContinuousClock.now + .milliseconds(5000)
        while true {
            do {
                return try executeScript("PRAGMA journal_mode=WAL")
            } catch let error as SQLiteError where (error.resultCode & 0xff) == SQLITE_BUSY && ContinuousClock.now < deadline {
                sqlite3_sleep(Int32.random(in: 1...10))
            }
        }
    }

    deinit {
        close()
    }

    /// Finalises every statement and closes the file; later calls fail.
    public func close() {
        interruptHandle.withLock { $0 = 0 }
        lock.withLock { _ in
            statements.values.forEach { $0.finalize() }
            statements.removeAll()
            if let handle { sqlite3_close_v2(handle) }
            handle = nil
        }
    }

    /// Runs one or more statements without parameters or results.
    public func executeScript(_ sql: String) throws {
        try lock.withLock { _ in try controlLocked(sql) }
    }

    /// Runs one statement with `$1`-style parameters and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        try lock.withLock { _ in try executeLocked(sql, parameters) }
    }

    /// Runs one query with `$1`-style parameters and returns every row.
    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
        try lock.withLock { _ in try queryLocked(sql, parameters) }
    }

    // MARK: - The transaction gate

    /// Statements and transactions of the addon now waiting for its open transaction to end.
    public var waitingForTransaction: Int {
        lock.withLock { _ in gateWaiters.count }
    }

    /// Runs `body` under the lock once no addon transaction is open, waiting (suspended) while one
    /// is. A statement that leaves a transaction open behind the API's back is rolled back and refused.
    func runOutsideTransactions<R>(_ body: (SQLiteConnection) throws -> R) async throws -> R {
        while true {
            let outcome: R? = try lock.withLock { _ in
                guard transactionOwner == nil else { return nil }
                let result = try body(self)
                if let handle, sqlite3_get_autocommit(handle) == 0 {
                    _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
                    throw DatabaseError.transactionControl("a statement that opened a transaction")
                }
                return result
            }
            if let outcome { return outcome }
            await waitForGate()
        }
    }

    /// Makes `owner` the open transaction and runs `begin` under the lock, once no other is open.
    func acquireGate(for owner: UInt64, begin: (SQLiteConnection) throws -> Void) async throws {
        while true {
            let acquired = try lock.withLock { _ in
                guard transactionOwner == nil else { return false }
                try begin(self)
                transactionOwner = owner
                return true
            }
            if acquired { return }
            await waitForGate()
        }
    }

    /// Runs `body` under the lock if `owner` is still the open transaction; `nil` if it is not.
    func withGate<R>(of owner: UInt64, _ body: (SQLiteConnection) throws -> R) throws -> R? {
        try lock.withLock { _ in
            guard transactionOwner == owner else { return nil }
            return try body(self)
        }
    }

    /// Runs `end` under the lock and ends `owner`'s transaction, waking every waiter; does nothing
    /// (and returns `false`) when `owner` no longer holds the gate.
    @discardableResult
    func releaseGate(of owner: UInt64, end: (SQLiteConnection) -> Void) -> Bool {
        let woken: [CheckedContinuation<Void, Never>]? = lock.withLock { _ in
            guard transactionOwner == owner else { return nil }
            end(self)
            transactionOwner = nil
            interruptDeadline.clear()
            defer { gateWaiters.removeAll() }
            return gateWaiters
        }
        woken?.forEach { $0.resume() }
        return woken != nil
    }

    private func waitForGate() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = lock.withLock { _ in
                if transactionOwner == nil { return true }
                gateWaiters.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    // MARK: - Under the lock

    /// Runs one statement; the caller holds the lock.
    func executeLocked(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(parameters)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs one query; the caller holds the lock.
    func queryLocked(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(parameters)
        var rows: [SQLRow] = []
        let columns = statement.columnNames()
        while try statement.step() {
            rows.append(SQLRow(columns: columns, values: statement.rowValues()))
        }
        return rows
    }

    /// Runs transaction control (`BEGIN IMMEDIATE`, `SAVEPOINT x`…); the caller holds the lock.
    func controlLocked(_ sql: String) throws {
        let handle = try openHandle()
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(handle, sql, nil, nil, &message)
        if result != SQLITE_OK {
            let detail = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError.step(sql, result, detail)
        }
    }

    /// Whether a transaction is open on the handle; the caller holds the lock.
    var isInsideTransactionLocked: Bool {
        handle.map { sqlite3_get_autocommit($0) == 0 } ?? false
    }

    /// Runs `script` inside one transaction, holding the connection from `BEGIN` to `COMMIT`:
    /// everything applies, or nothing does. Refused while an addon's transaction is open.
    public func transaction(_ script: String) throws {
        try lock.withLock { _ in
            guard transactionOwner == nil else {
                throw SQLiteError.step(script, SQLITE_BUSY, "an addon transaction is open on this connection")
            }
            try controlLocked("BEGIN IMMEDIATE")
            do {
                try controlLocked(script)
                try controlLocked("COMMIT")
            } catch {
                if isInsideTransactionLocked { _ = try? controlLocked("ROLLBACK") }
                throw error
            }
        }
    }

    /// Makes the statement running now (from any thread) stop with `SQLITE_INTERRUPT`: the
    /// deadline of a migration that does not end.
    ///
    /// It reaches only a statement running at that moment: to bound statements that may start
    /// later (a step whose thread starts late on a loaded machine), see
    /// ``interruptingStatements(after:_:)``.
    public func interrupt() {
        interruptHandle.withLock { address in
            if let handle = OpaquePointer(bitPattern: address) { sqlite3_interrupt(handle) }
        }
    }

    /// Runs `body` with every statement on this connection stopped with `SQLITE_INTERRUPT` once
    /// `deadline` (monotonic nanoseconds, `DispatchTime.now().uptimeNanoseconds`) has passed,
    /// however late the statement started. For the host's own steps on a connection no addon
    /// transaction uses (its deadline shares the mechanism).
    public func interruptingStatements<T>(after deadline: UInt64, _ body: () throws -> T) rethrows -> T {
        interruptDeadline.set(max(1, deadline))
        defer { interruptDeadline.clear() }
        return try body()
    }

    /// Bounds the file to about `bytes` (`PRAGMA max_page_count`): a write past it fails with
    /// `SQLITE_FULL` instead of filling the disk.
    public func limitSize(toBytes bytes: Int) throws {
        let pageSize = try query("PRAGMA page_size").first?.values.first.flatMap { value -> Int? in
            if case .integer(let size) = value { return Int(size) }
            return nil
        } ?? 4096
        try executeScript("PRAGMA max_page_count = \(max(16, bytes / max(pageSize, 512)))")
    }

    /// Runs `body` with the raw handle under the lock; the handle must not escape.
    func withHandle(_ body: (OpaquePointer) -> Void) {
        lock.withLock { _ in
            if let handle { body(handle) }
        }
    }

    private func openHandle() throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError.open("database", SQLITE_MISUSE, "the connection is closed")
        }
        return handle
    }

    private func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let statement = try SQLiteStatement(sql: sql, connection: openHandle())
        if statements.count > 256 {
            statements.values.forEach { $0.finalize() }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }
}

/// A deadline SQLite's progress handler checks while a statement runs.
final class InterruptDeadline: Sendable {
    private let nanoseconds = Atomic<UInt64>(0)

    /// Interrupts statements from `uptime` (monotonic nanoseconds) on.
    func set(_ uptime: UInt64) { nanoseconds.store(uptime, ordering: .relaxed) }

    /// Stops interrupting.
    func clear() { nanoseconds.store(0, ordering: .relaxed) }

    /// Whether a deadline is set and has passed.
    var hasPassed: Bool {
        let deadline = nanoseconds.load(ordering: .relaxed)
        return deadline != 0 && DispatchTime.now().uptimeNanoseconds >= deadline
    }
}
