/// A transaction on one pooled connection, for the host's own schemas (cluster, jobs, events).
extension PostgresPool {
    /// Runs `body` between `BEGIN` and `COMMIT` on one connection of the pool; a thrown error rolls
    /// the transaction back and is rethrown.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in
            try connection.executeScript("BEGIN")
            do {
                let result = try body(connection)
                try connection.executeScript("COMMIT")
                return result
            } catch {
                try? connection.executeScript("ROLLBACK")
                throw error
            }
        }
    }
}
