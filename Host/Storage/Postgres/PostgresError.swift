/// A failure reported by PostgreSQL or libpq, with PostgreSQL's own message and SQLSTATE.
///
/// Callers match on ``sqlState`` (e.g. `42501`, insufficient_privilege) rather than on the message,
/// which the server may word differently between versions or locales.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    private enum Code: String {
        case connect = "postgres_connect_failed"
        case server = "postgres_error"
        case connectionLost = "postgres_connection_lost"
        case unexpectedResult = "postgres_unexpected_result"
        case invalidParameter = "postgres_invalid_parameter"
        case invalidAddonID = "postgres_invalid_addon_id"
        case poolClosed = "postgres_pool_closed"
        case namespaceMissing = "postgres_namespace_missing"
        case statementTimeout = "postgres_statement_timeout"
        case resultTooLarge = "postgres_result_too_large"
    }

    private let kind: Code

    /// A stable code, e.g. `postgres_error` for an error the server reported.
    public var code: String { kind.rawValue }

    /// PostgreSQL's five-character SQLSTATE (`42501`), when the server reported one.
    public let sqlState: String?

    /// PostgreSQL's or libpq's message, with detail and hint when given, and the statement.
    public let message: String

    /// The error this one wraps, if any.
    public let cause: (any Error)?

    /// The condition name of ``sqlState`` for the common classes, e.g. `insufficient_privilege`.
    public var conditionName: String? { sqlState.flatMap { Self.conditionNames[$0] } }

    /// `code: message (SQLSTATE 42501 insufficient_privilege)`.
    public var description: String {
        guard let sqlState else { return "\(code): \(message)" }
        return "\(code): \(message) (SQLSTATE \(sqlState)\(conditionName.map { " " + $0 } ?? ""))"
    }

    static func connect(_ target: String, _ detail: String) -> PostgresError {
        PostgresError(kind: .connect, sqlState: nil, message: "cannot connect to \(target): \(detail)", cause: nil)
    }

    static func server(sqlState: String?, message: String, sql: String) -> PostgresError {
        PostgresError(kind: .server, sqlState: sqlState, message: "\(message) in: \(sql.prefix(200))", cause: nil)
    }

    static func connectionLost(_ detail: String, sql: String) -> PostgresError {
        PostgresError(kind: .connectionLost, sqlState: "08006", message: "\(detail) in: \(sql.prefix(200))", cause: nil)
    }

    static func unexpectedResult(_ status: String, sql: String) -> PostgresError {
        PostgresError(kind: .unexpectedResult, sqlState: nil, message: "unexpected result \(status) in: \(sql.prefix(200))", cause: nil)
    }

    static func invalidParameter(_ detail: String, sql: String) -> PostgresError {
        PostgresError(kind: .invalidParameter, sqlState: nil, message: "\(detail) in: \(sql.prefix(200))", cause: nil)
    }

    static func invalidAddonID(_ id: String, _ detail: String) -> PostgresError {
        PostgresError(kind: .invalidAddonID, sqlState: nil, message: "addon id \"\(id.prefix(80))\" \(detail)", cause: nil)
    }

    static func poolClosed() -> PostgresError {
        PostgresError(kind: .poolClosed, sqlState: nil, message: "the connection pool is closed", cause: nil)
    }

    static func statementTimeout(_ limit: Duration, setting: String, cause: PostgresError) -> PostgresError {
        PostgresError(kind: .statementTimeout, sqlState: "57014", message: "the statement ran longer than \(limit) (\(setting)) and was cancelled; \(cause.message)", cause: cause)
    }

    static func resultTooLarge(_ detail: String, sql: String) -> PostgresError {
        PostgresError(kind: .resultTooLarge, sqlState: "54000", message: "\(detail) in: \(sql.prefix(200))", cause: nil)
    }

    static func namespaceMissing(_ schema: String) -> PostgresError {
        PostgresError(kind: .namespaceMissing, sqlState: "3F000", message: "schema \(schema) does not exist", cause: nil)
    }

    /// Names of the SQLSTATEs addons and the host meet most; the rest show the bare code.
    private static let conditionNames: [String: String] = [
        "08000": "connection_exception", "08003": "connection_does_not_exist", "08006": "connection_failure",
        "0A000": "feature_not_supported", "22P02": "invalid_text_representation", "22012": "division_by_zero",
        "23502": "not_null_violation", "23503": "foreign_key_violation", "23505": "unique_violation",
        "23514": "check_violation", "25P02": "in_failed_sql_transaction", "26000": "invalid_sql_statement_name",
        "28P01": "invalid_password", "2BP01": "dependent_objects_still_exist", "3F000": "invalid_schema_name",
        "40001": "serialization_failure", "40P01": "deadlock_detected", "42501": "insufficient_privilege",
        "42601": "syntax_error", "42703": "undefined_column", "42704": "undefined_object", "42710": "duplicate_object",
        "42883": "undefined_function", "42P01": "undefined_table", "42P06": "duplicate_schema", "42P07": "duplicate_table",
        "53300": "too_many_connections", "53400": "configuration_limit_exceeded", "54000": "program_limit_exceeded", "57014": "query_canceled", "57P01": "admin_shutdown",
    ]
}
