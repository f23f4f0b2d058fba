import CSQLite

/// A failure reported by SQLite, with the statement it came from.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    private enum Code: String {
        case open = "sqlite_open_failed"
        case prepare = "sqlite_prepare_failed"
        case step = "sqlite_step_failed"
        case bind = "sqlite_bind_failed"
        case constraint = "sqlite_constraint"
    }

    private let kind: Code

    /// A stable code, e.g. `sqlite_step_failed`.
    public var code: String { kind.rawValue }

    /// SQLite's result code.
    public let resultCode: Int32

    /// SQLite's message, with the statement when there is one.
    public let message: String

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    static func open(_ path: String, _ resultCode: Int32, _ detail: String) -> SQLiteError {
        SQLiteError(kind: .open, resultCode: resultCode, message: "cannot open \(path): \(detail)")
    }

    static func prepare(_ sql: String, _ resultCode: Int32, _ detail: String) -> SQLiteError {
        SQLiteError(kind: .prepare, resultCode: resultCode, message: "\(detail) in: \(sql.prefix(200))")
    }

    static func step(_ sql: String, _ resultCode: Int32, _ detail: String) -> SQLiteError {
        let kind: Code = (resultCode & 0xff) == SQLITE_CONSTRAINT ? .constraint : .step
        return SQLiteError(kind: kind, resultCode: resultCode, message: "\(detail) in: \(sql.prefix(200))")
    }

    static func bind(_ sql: String, _ detail: String) -> SQLiteError {
        SQLiteError(kind: .bind, resultCode: SQLITE_RANGE, message: "\(detail) in: \(sql.prefix(200))")
    }
}
