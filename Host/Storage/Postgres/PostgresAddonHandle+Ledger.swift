extension PostgresAddonHandle {
    /// The first column of every row of `sql`, as text, run as the addon's role in its schema.
    public func firstColumn(of sql: String) throws -> [String] {
        try controlConnection().query(sql, []).compactMap { $0.values.first?.text }
    }
}
