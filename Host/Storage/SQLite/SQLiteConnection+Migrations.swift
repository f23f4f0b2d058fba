/// The host's SQLite connections run migrations directly.
extension SQLiteConnection: MigrationTarget {
    /// Runs `script` in one transaction.
    public func runAtomically(_ script: String) throws {
        try transaction(script)
    }

    /// The first column of every row of `sql`, as text.
    public func firstColumn(of sql: String) throws -> [String] {
        try query(sql).compactMap { $0.values.first?.text }
    }
}
