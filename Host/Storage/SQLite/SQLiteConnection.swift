import CSQLite
import PluginAPI
import Synchronization

/// One SQLite database file, safe to use from any thread.
///
/// `@unchecked Sendable`: `handle` and `statements` are only touched while `lock` is held.
public final class SQLiteConnection: @unchecked Sendable {
    /// The database file's path.
    public let path: String

    private let lock = Mutex(())
    private var handle: OpaquePointer?
    /// A copy of `handle` for ``interrupt()``, which must not wait for `lock` (the statement to
    /// interrupt holds it); cleared before the handle is closed.
    private let interruptHandle = Mutex<UInt>(0)
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`, in WAL mode with foreign keys on.
    public init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        if result != SQLITE_OK {
            let detail = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError.open(path, result, detail)
        }
        sqlite3_busy_timeout(handle, 5000)
        self.handle = handle
        interruptHandle.withLock { $0 = UInt(bitPattern: handle) }
        try executeScript("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;")
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
        try lock.withLock { _ in
            let handle = try openHandle()
            var message: UnsafeMutablePointer<CChar>?
            let result = sqlite3_exec(handle, sql, nil, nil, &message)
            if result != SQLITE_OK {
                let detail = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
                sqlite3_free(message)
                throw SQLiteError.step(sql, result, detail)
            }
        }
    }

    /// Runs a statement with `$1`-style parameters and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        try lock.withLock { _ in
            let statement = try statement(sql)
            defer { statement.reset() }
            try statement.bind(parameters)
            while try statement.step() {}
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs a query with `$1`-style parameters and returns every row.
    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
        try lock.withLock { _ in
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
    }

    /// Runs `script` inside one transaction: everything applies, or nothing does.
    public func transaction(_ script: String) throws {
        try executeScript("BEGIN IMMEDIATE")
        do {
            try executeScript(script)
            try executeScript("COMMIT")
        } catch {
            try? executeScript("ROLLBACK")
            throw error
        }
    }

    /// Makes the statement running now (from any thread) stop with `SQLITE_INTERRUPT`: the
    /// deadline of a migration that does not end.
    public func interrupt() {
        interruptHandle.withLock { address in
            if let handle = OpaquePointer(bitPattern: address) { sqlite3_interrupt(handle) }
        }
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
