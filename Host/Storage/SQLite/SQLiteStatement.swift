import CSQLite
import PluginAPI

/// A prepared statement; used only under its connection's lock.
final class SQLiteStatement {
    let sql: String
    private var handle: OpaquePointer?
    private let connection: OpaquePointer
    private let parameterIndexes: [Int32]

    init(sql: String, connection: OpaquePointer) throws {
        self.sql = sql
        self.connection = connection
        let handle = try Self.prepareOne(sql, on: connection)
        self.handle = handle
        // `$1` … `$n` are named parameters to SQLite; resolve each name to its slot once.
        let count = sqlite3_bind_parameter_count(handle)
        var indexes: [Int32] = []
        var position: Int32 = 1
        while position <= count {
            let index = sqlite3_bind_parameter_index(handle, "$\(position)")
            indexes.append(index > 0 ? index : position)
            position += 1
        }
        parameterIndexes = indexes
    }

    /// Prepares `sql`, which must be one statement: SQLite compiles only the first statement of a
    /// text and reports where it stopped, so text after it other than blanks, comments and `;` is a
    /// second statement that would silently not run. Such a text is refused before anything runs.
    private static func prepareOne(_ sql: String, on connection: OpaquePointer) throws -> OpaquePointer {
        try sql.withCString { text in
            var handle: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let result = sqlite3_prepare_v3(connection, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, &tail)
            guard result == SQLITE_OK, let handle else {
                throw SQLiteError.prepare(sql, result, String(cString: sqlite3_errmsg(connection)))
            }
            // Prepare what follows, statement by statement: blanks and comments prepare to nothing.
            while let rest = tail, rest.pointee != 0 {
                var next: OpaquePointer?
                var after: UnsafePointer<CChar>?
                let status = sqlite3_prepare_v3(connection, rest, -1, 0, &next, &after)
                if next != nil || status != SQLITE_OK {
                    sqlite3_finalize(next)
                    sqlite3_finalize(handle)
                    throw DatabaseError.multipleStatements(sql)
                }
                guard let after, after != rest else { break }
                tail = after
            }
            return handle
        }
    }

    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ values: [SQLValue]) throws {
        guard values.count == parameterIndexes.count else {
            throw SQLiteError.bind(sql, "expected \(parameterIndexes.count) parameters, got \(values.count)")
        }
        for (value, index) in zip(values, parameterIndexes) {
            let result: Int32
            switch value {
            case .null: result = sqlite3_bind_null(handle, index)
            case .integer(let number): result = sqlite3_bind_int64(handle, index, number)
            case .real(let number): result = sqlite3_bind_double(handle, index, number)
            case .text(let text): result = sqlite3_bind_text(handle, index, text, -1, berth_sqlite_transient())
            case .blob(let bytes):
                result = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), berth_sqlite_transient())
                }
            @unknown default:
                throw SQLiteError.bind(sql, "unsupported value \(value)")
            }
            if result != SQLITE_OK {
                throw SQLiteError.bind(sql, String(cString: sqlite3_errmsg(connection)))
            }
        }
    }

    /// Advances; `true` while a row is available.
    func step() throws -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError.step(sql, result, String(cString: sqlite3_errmsg(connection)))
        }
    }

    func columnNames() -> [String] {
        (0 ..< sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    func rowValues() -> [SQLValue] {
        (0 ..< sqlite3_column_count(handle)).map { column in
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
            case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, column)))
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(handle, column))
                guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return .blob([]) }
                return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
            default: return .null
            }
        }
    }
}
