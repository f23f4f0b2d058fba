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

    private let url: String
    private let password: String
    private let control = Mutex<PostgresConnection?>(nil)

    /// Opens connections lazily to the server and database of `url`, as `names.login` with
    /// `password`: at most `poolSize` for queries plus one for migrations.
    public init(names: PostgresIdentifiers, url: String, password: String, poolSize: Int) {
        self.names = names
        self.url = url
        self.password = password
        pool = PostgresPool(size: poolSize) { [names] in
            try Self.openConfined(url: url, names: names, password: password)
        }
    }

    /// The addon's database.
    public var database: any AddonDatabase { PostgresAddonDatabase(pool: pool) }

    /// Runs `script` as the addon's role in one transaction (`BEGIN`; script; `COMMIT`, or
    /// `ROLLBACK` when a statement fails).
    public func runAtomically(_ script: String) throws {
        try controlConnection().transaction(script)
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
            if let existing = connection, existing.isUsable { return existing }
            let fresh = try Self.openConfined(url: url, names: names, password: password)
            connection = fresh
            return fresh
        }
    }

    private static func openConfined(url: String, names: PostgresIdentifiers, password: String) throws -> PostgresConnection {
        let connection = try PostgresConnection(url: url, user: names.login, password: password)
        // The login role's defaults do the same; saying it here keeps a handle working on a
        // database whose role defaults were reset by hand.
        try connection.executeScript("SET ROLE \(names.quotedRole); SET search_path = \(names.quotedSchema)")
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
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
            UNION ALL
            SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
                   p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
            UNION ALL
            SELECT 'type', t.typname::text
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = $1 AND t.typrelid = 0
              AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
        ) objects ORDER BY kind, name
        """
}
