/// A database call refused or failed for a reason PluginAPI defines, the same on every backend.
///
/// Errors the database server itself reports (a constraint, a syntax error, a permission) keep the
/// backend's own error type; these are the refusals of the API: match on ``code``.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    private enum Kind: String, Sendable {
        case multipleStatements = "multiple_statements"
        case transactionControl = "transaction_control"
        case databaseInTransaction = "database_in_transaction"
        case transactionTimedOut = "transaction_timed_out"
        case transactionFinished = "transaction_finished"
        case transactionAborted = "transaction_aborted"
        case transactionsUnsupported = "transactions_unsupported"
        case decodingFailed = "row_decoding_failed"
    }

    private let kind: Kind

    /// A stable code: `multiple_statements`, `transaction_control`, `database_in_transaction`,
    /// `transaction_timed_out`, `transaction_finished`, `transaction_aborted`,
    /// `transactions_unsupported` or `row_decoding_failed`.
    public var code: String { kind.rawValue }

    /// What happened, for people.
    public let message: String

    /// The error this one wraps, if any.
    public let cause: (any Error)?

    private init(_ kind: Kind, _ message: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// `sql` holds more than one statement; nothing of it ran.
    public static func multipleStatements(_ sql: String) -> DatabaseError {
        DatabaseError(.multipleStatements, "the text holds more than one statement and none of it ran: send one statement per call, or group them in transaction {} (in: \(sql.prefix(200)))")
    }

    /// `sql` is a transaction-control statement; it did not run.
    public static func transactionControl(_ sql: String) -> DatabaseError {
        DatabaseError(.transactionControl, "transaction control statements do not run through execute or query: use transaction {} (and transaction {} inside it for a savepoint) (in: \(sql.prefix(200)))")
    }

    /// The outer database was used inside its own transaction's body.
    public static func databaseInTransaction() -> DatabaseError {
        DatabaseError(.databaseInTransaction, "the database was used inside its own transaction {}: run the statement through the transaction handle the body receives")
    }

    /// The transaction passed its deadline and was rolled back.
    public static func transactionTimedOut(after seconds: Double) -> DatabaseError {
        DatabaseError(.transactionTimedOut, "the transaction was still open after its deadline of \(seconds) s: it was rolled back and its connection released")
    }

    /// A transaction handle was used after its transaction ended.
    public static func transactionFinished() -> DatabaseError {
        DatabaseError(.transactionFinished, "the transaction has already ended: a transaction handle is valid only inside its transaction {}")
    }

    /// A statement failed inside the transaction, which the database then aborted; it was rolled back.
    public static func transactionAborted(cause: any Error) -> DatabaseError {
        DatabaseError(.transactionAborted, "a statement failed inside the transaction, so it was rolled back instead of committed: \(cause)", cause: cause)
    }

    /// The database implementation predates transactions.
    public static func transactionsUnsupported(dialect: String) -> DatabaseError {
        DatabaseError(.transactionsUnsupported, "this \(dialect) database does not implement transaction {} (it was written against PluginAPI 1.1.0)")
    }

    /// A row could not be decoded into the type asked for.
    public static func decodingFailed(_ message: String, cause: (any Error)? = nil) -> DatabaseError {
        DatabaseError(.decodingFailed, message, cause: cause)
    }
}
