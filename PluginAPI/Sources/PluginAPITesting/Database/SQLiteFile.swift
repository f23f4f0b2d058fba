import CBerthTestSQLite
import Foundation
import PluginAPI

/// One SQLite connection to a file, for tests: statements with `$1`-style parameters, scripts in
/// one transaction (what the host's migration runner needs), and SQLite's own reading of where a
/// statement ends.
///
/// `@unchecked Sendable`: the connection handle is used only while `lock` is held.
final class SQLiteFile: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    let path: String

    init(path: String) throws {
        var opened: OpaquePointer?
        let status = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            if let opened { sqlite3_close_v2(opened) }
            throw TestDatabaseError("cannot open \(path): \(message)")
        }
        handle = opened
        self.path = path
        sqlite3_busy_timeout(handle, 5_000)
        try exec("PRAGMA foreign_keys = ON")
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs `script` (any number of statements) as written.
    func exec(_ script: String) throws {
        try locked {
            var message: UnsafeMutablePointer<CChar>?
            let status = sqlite3_exec(handle, script, nil, nil, &message)
            defer { sqlite3_free(message) }
            guard status == SQLITE_OK else {
                throw TestDatabaseError(message.map { String(cString: $0) } ?? "status \(status)", sql: script)
            }
        }
    }

    /// Runs one statement with its parameters; refuses a text holding a second statement, as the
    /// host does.
    func run(_ sql: String, _ parameters: [SQLValue]) throws -> (rows: [SQLRow], changes: Int) {
        try locked {
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let status = sqlite3_prepare_v2(handle, sql, -1, &statement, &tail)
            guard status == SQLITE_OK, let statement else {
                throw TestDatabaseError(String(cString: sqlite3_errmsg(handle)), sql: sql)
            }
            defer { sqlite3_finalize(statement) }
            if let tail, try hasStatement(String(cString: tail)) { throw DatabaseError.multipleStatements(sql) }
            try bind(parameters, to: statement, sql: sql)
            let columns = (0 ..< sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
            var rows: [SQLRow] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else { throw TestDatabaseError(String(cString: sqlite3_errmsg(handle)), sql: sql) }
                rows.append(SQLRow(columns: columns, values: (0 ..< Int32(columns.count)).map { value(statement, $0) }))
            }
            return (rows, Int(sqlite3_changes(handle)))
        }
    }

    /// Holds the connection for `body`, so a transaction's statements are not interleaved with
    /// other callers' on this thread-safe but single connection.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func hasStatement(_ text: String) throws -> Bool {
        var statement: OpaquePointer?
        // SQLite's own parser decides: a tail of only blanks and comments prepares to nothing.
        guard sqlite3_prepare_v2(handle, text, -1, &statement, nil) == SQLITE_OK else { return true }
        defer { sqlite3_finalize(statement) }
        return statement != nil
    }

    private func bind(_ parameters: [SQLValue], to statement: OpaquePointer, sql: String) throws {
        for (offset, parameter) in parameters.enumerated() {
            let index = sqlite3_bind_parameter_index(statement, "$\(offset + 1)")
            guard index > 0 else { throw TestDatabaseError("the statement has no parameter $\(offset + 1)", sql: sql) }
            let status: Int32
            switch parameter {
            case .null: status = sqlite3_bind_null(statement, index)
            case .integer(let value): status = sqlite3_bind_int64(statement, index, value)
            case .real(let value): status = sqlite3_bind_double(statement, index, value)
            case .text(let value): status = sqlite3_bind_text(statement, index, value, -1, berth_test_sqlite_transient())
            case .blob(let value): status = value.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), berth_test_sqlite_transient()) }
            }
            guard status == SQLITE_OK else { throw TestDatabaseError(String(cString: sqlite3_errmsg(handle)), sql: sql) }
        }
    }

    private func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, column)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }
}

extension SQLiteFile: MigrationTarget {
    func runAtomically(_ script: String) throws {
        try locked {
            try exec("BEGIN IMMEDIATE")
            do {
                try exec(script)
                try exec("COMMIT")
            } catch {
                try? exec("ROLLBACK")
                throw error
            }
        }
    }

    func schemaObjects() throws -> [String] {
        try run("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name", []).rows.compactMap { $0.values.first?.text }
    }

    func firstColumn(of sql: String) throws -> [String] {
        try run(sql, []).rows.compactMap { $0.values.first?.text }
    }
}
