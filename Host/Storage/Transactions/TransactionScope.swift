import PluginAPI

/// The databases whose transaction the current task is inside, so that a statement sent to the
/// outer database from a transaction's body is refused at once instead of waiting for the
/// transaction it is part of (on SQLite the gate, on PostgreSQL a pool connection).
enum TransactionScope {
    @TaskLocal static var open: [ObjectIdentifier] = []

    /// Refuses a statement on `database` while the task is inside one of its transactions.
    static func refuseInside(_ database: ObjectIdentifier) throws {
        if open.contains(database) { throw DatabaseError.databaseInTransaction() }
    }
}

/// How long an addon's transaction may stay open.
public enum TransactionLimits {
    /// 5 seconds: below SQLite's busy timeout, so a writer in another worker process that waits
    /// for a transaction's lock gets it rather than `SQLITE_BUSY`.
    public static let defaultTimeout: Duration = .seconds(5)

    /// `duration` in seconds, for messages.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
