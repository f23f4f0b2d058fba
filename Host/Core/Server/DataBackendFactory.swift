import BerthStorage

/// Chooses where addons keep their data from `BERTH_DATABASE_URL`: SQLite files in the home when
/// it is unset, a schema and a role per addon in PostgreSQL for `postgres://…`.
enum DataBackendFactory {
    static func make(settings: HostSettings, home: BerthHome) throws -> any AddonDataBackend {
        switch settings.databaseKind {
        case .postgres:
            guard let url = settings.databaseURL else { return SQLiteBackend(folder: home.dataDirectory) }
            do {
                let limits = PostgresLimits(
                    statementTimeout: .milliseconds(Int(settings.databaseStatementTimeout * 1000)),
                    migrationTimeout: .milliseconds(Int(settings.databaseMigrationTimeout * 1000)),
                    connectionLimit: settings.databaseAddonConnections,
                    maxRows: settings.databaseMaxRows, maxResultBytes: settings.databaseMaxResultBytes
                )
                return try PostgresBackend(url: url, poolSize: settings.databasePoolSize, limits: limits)
            } catch {
                throw BerthError(status: 500, code: "database_unavailable", message: "BERTH_DATABASE_URL: \(error)", cause: error)
            }
        case .sqlite, nil:
            return SQLiteBackend(folder: home.dataDirectory)
        }
    }
}
