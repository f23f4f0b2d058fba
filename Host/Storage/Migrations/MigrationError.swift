/// A migration that failed, with the database's own error as its cause.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    private enum Code: String {
        case upFailed = "migration_failed"
        case downFailed = "down_migration_failed"
        case outOfOrder = "migration_out_of_order"
        case irreversible = "irreversible_migration"
        case transactionControl = "migration_transaction_control"
    }

    private let kind: Code

    /// A stable code: `migration_failed`, `down_migration_failed` or `migration_out_of_order`.
    public var code: String { kind.rawValue }

    /// The migration's id.
    public let migrationID: String

    /// What happened, for people.
    public let message: String

    /// The database's error.
    public let cause: (any Error)?

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    static func up(_ id: String, cause: any Error) -> MigrationError {
        MigrationError(kind: .upFailed, migrationID: id, message: "up-migration \(id) failed and was rolled back: \(cause)", cause: cause)
    }

    static func down(_ id: String, cause: any Error) -> MigrationError {
        MigrationError(kind: .downFailed, migrationID: id, message: "down-migration \(id) failed and was rolled back: \(cause)", cause: cause)
    }

    static func irreversible(left: [String]) -> MigrationError {
        MigrationError(kind: .irreversible, migrationID: "", message: "after up → down the schema is not empty: \(left.joined(separator: ", ")) left; every down-migration must undo its up-migration", cause: nil)
    }

    static func transactionControl(_ id: String, direction: String, statement: String) -> MigrationError {
        MigrationError(kind: .transactionControl, migrationID: id, message: "\(direction)-migration \(id) contains \(statement): the host runs each migration in a transaction of its own, so a migration may not begin, end, split or prepare one", cause: nil)
    }

    static func outOfOrder(_ id: String, after previous: String) -> MigrationError {
        MigrationError(kind: .outOfOrder, migrationID: id, message: "migration \(id) does not sort after \(previous): ids must be ordered", cause: nil)
    }
}
