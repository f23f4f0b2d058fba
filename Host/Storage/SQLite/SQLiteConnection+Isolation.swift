import CSQLite

extension SQLiteConnection {
    /// Keeps the connection inside its own file: `ATTACH` of any other database is refused (the
    /// limit of attached databases is zero), so an addon's SQL cannot reach another addon's or the
    /// host's data. Extension loading stays off: this host never enables it.
    public func restrictToOwnFile() {
        withHandle { _ = sqlite3_limit($0, SQLITE_LIMIT_ATTACHED, 0) }
    }

    /// The user objects in the database: tables, indexes, views and triggers, as `type name`.
    public func schemaObjects() throws -> [String] {
        try query("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .map { "\($0["type"]?.text ?? "?") \($0["name"]?.text ?? "?")" }
    }
}
