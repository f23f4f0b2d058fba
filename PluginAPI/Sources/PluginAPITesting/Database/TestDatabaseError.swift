/// A failure of the test database itself (opening the file, SQLite refusing a statement), with
/// the statement it was running.
public struct TestDatabaseError: Error, Sendable, CustomStringConvertible {
    /// SQLite's message.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    init(_ message: String, sql: String? = nil) {
        self.message = message
        self.sql = sql
    }

    /// The message and the statement.
    public var description: String { sql.map { "\(message) (in: \($0))" } ?? message }
}
