import PluginAPI
import Synchronization

/// Addon `id`'s open namespace on PostgreSQL: a pool for the addon's own queries and one control
/// connection for migrations and audits, all logged in as the addon's login role and switched to
/// its owner role, with its schema alone on the search path.
///
/// Migrations run under the addon's role too, so a migration can no more reach outside the
/// addon's schema than a query can.
public final class PostgresAddonHandle: AddonDataHandle {
    /// The addon's schema and roles.
    public let names: PostgresIdentifiers

    /// The connections the addon's queries run on.
    public let pool: PostgresPool
    /// The query pool's figures.
    public var poolUsage: PoolUsage? { pool.usage }

    /// The bounds of the addon's calls.
    public let limits: PostgresLimits

    /// Run before each migration script: clears what would make it wait for ever (a prepared
    /// transaction of the addon's roles holding its tables' locks).
    private let beforeMigration: (@Sendable () -> Void)?
    /// Opens a confined connection with that statement timeout, repairing the login role once.
    private let openConnection: @Sendable (Duration) throws -> PostgresConnection
    private let url: String
    private let password: String
    let control = Mutex<PostgresConnection?>(nil)

    /// Opens connections lazily to the server and database of `url`, as `names.login` with
    /// `password`: at most `poolSize` for queries plus one for migrations.
    public init(names: PostgresIdentifiers, url: String, password: String, poolSize: Int, limits: PostgresLimits = PostgresLimits(),
                beforeMigration: (@Sendable () -> Void)? = nil, repairLogin: (@Sendable () throws -> Void)? = nil) {
        self.beforeMigration = beforeMigration
        self.names = names
        self.url = url
        self.password = password
        self.limits = limits
        let open: @Sendable (Duration) throws -> PostgresConnection = { [names] timeout in
            do {
                return try Self.openConfined(url: url, names: names, password: password, limits: limits, timeout: timeout)
            } catch let error as PostgresError where repairLogin != nil && error.code == "postgres_connect_failed" {
                // The addon may have changed its login role's password or defaults: put them back
                // and try once more; a second failure is the server's to explain.
                // A repair that fails too (the server is down) leaves the login's own error to report.
                guard (try? repairLogin?()) != nil else { throw error }
                return try Self.openConfined(url: url, names: names, password: password, limits: limits, timeout: timeout)
            }
        }
        openConnection = open
        pool = PostgresPool(size: poolSize, timeout: (limits.statementTimeout, "BERTH_DATABASE_STATEMENT_TIMEOUT")) {
            try open(limits.statementTimeout)
        }
    }

    /// `"addon_<id>".berth_migrations`.
    public var qualifiedLedgerTable: String { names.quotedSchema + "." + MigrationRunner.ledgerTable }

    /// The addon's database.
    public var database: any AddonDatabase { PostgresAddonDatabase(pool: pool) }

    /// Runs `script` as the addon's role in one transaction (`BEGIN`; its statements; `COMMIT`,
    /// or `ROLLBACK` when a statement fails).
    ///
    /// Each statement runs on its own (see ``MigrationScript``); one that would begin, end or
    /// prepare a transaction is refused before any runs.
    public func runAtomically(_ script: String) throws {
        let parsed = MigrationScript(script)
        if let statement = parsed.transactionControlStatement {
            throw PostgresError.invalidParameter("\(statement) is not allowed here: the script runs in a transaction of the host's", sql: script)
        }
        beforeMigration?()
        let connection = try controlConnection()
        try connection.withDeadline(limits.migrationTimeout, setting: "BERTH_DATABASE_MIGRATION_TIMEOUT") {
            try connection.transaction(statements: parsed.statements.map(\.text))
        }
        // What the script set for the session (role, search_path, timeouts) does not carry over.
        if let reset = connection.resetScript { try connection.executeScript(reset) }
    }

    /// The relations, sequences, views, functions, procedures and types in the addon's schema, as
    /// `kind name`.
    public func schemaObjects() throws -> [String] {
        try controlConnection().query(Self.schemaObjectsQuery, [.text(names.schema)])
            .map { "\($0["kind"]?.text ?? "?") \($0["name"]?.text ?? "?")" }
    }

    /// Bounds every statement of the control connection (migrations) to `milliseconds` on the
    /// server (`statement_timeout`); 0 lifts the bound.
    public func limitStatements(toMilliseconds milliseconds: Int) throws {
        try controlConnection().executeScript("SET statement_timeout = \(max(0, milliseconds))")
    }

    /// Closes every connection of the addon.
    public func close() {
        pool.close()
        control.withLock { connection in
            connection?.close()
            connection = nil
        }
    }

    func controlConnection() throws -> PostgresConnection {
        try control.withLock { connection in
            if let existing = connection, existing.checkAlive() { return existing }
            connection?.close()
            let fresh = try openConnection(limits.migrationTimeout)
            connection = fresh
            return fresh
        }
    }

    private static func openConfined(url: String, names: PostgresIdentifiers, password: String, limits: PostgresLimits, timeout: Duration) throws -> PostgresConnection {
        var session = limits
        session.statementTimeout = timeout
        // The addon's role and schema, with the temporary schema searched last (unlisted, it would
        // be searched first, and a temporary table could stand in for a catalog or a table).
        // The login role's defaults do the same; saying it here keeps a handle working on a
        // database whose role defaults were reset by hand, and saying it again after every call
        // undoes what the addon's SQL changed.
        let confine = "SET ROLE \(names.quotedRole); SET search_path = \(names.quotedSchema), pg_temp; "
        let connection = try PostgresConnection(url: url, user: names.login, password: password, resetScript: confine + session.resetScript,
                                                resultLimits: .init(rows: limits.maxRows, bytes: limits.maxResultBytes))
        try connection.executeScript(confine + session.sessionSettings)
        return connection
    }

    /// Array types, and the row types of tables, come and go with what they belong to: only
    /// free-standing types are listed.
    static let schemaObjectsQuery = """
        SELECT kind, name FROM (
            SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
                   WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view'
                   WHEN 'f' THEN 'foreign_table' WHEN 'c' THEN 'type' ELSE 'relation' END AS kind,
                   c.relname::text AS name
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
            UNION ALL
            SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
                   p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
            UNION ALL
            SELECT 'type', t.typname::text
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = $1 AND t.typrelid = 0
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
        ) objects ORDER BY kind, name
        """
}
