/// A write transaction for the host's own stores (jobs, the event outbox), which serve each
/// connection from one queue of their own.
extension SQLiteConnection {
    /// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT`, and rolls back if it throws.
    ///
    /// `IMMEDIATE` takes SQLite's write lock at the start, so two processes claiming the same rows
    /// are ordered by the lock rather than both reading them first. The statements in `body` take
    /// the connection's lock one at a time: only a caller that alone uses the connection (a serial
    /// queue) may use this; an addon's transaction goes through ``SQLiteTransaction``.
    public func immediateTransaction<T>(_ body: () throws -> T) throws -> T {
        try executeScript("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try executeScript("COMMIT")
            return result
        } catch {
            try? executeScript("ROLLBACK")
            throw error
        }
    }
}
