import PluginAPI
import Synchronization

/// Addon data on PostgreSQL, isolated by the database itself: addon `id` gets schema `addon_<id>`,
/// owned by a `NOLOGIN` role `berth_addon_<id>` that is granted nothing else, and every statement
/// of the addon runs as that role. PostgreSQL then refuses the addon's reads, writes and DDL
/// anywhere else with `42501 insufficient_privilege`.
///
/// The URL's user must be a superuser: it creates and drops roles, and its connections switch to
/// an addon's role with `SET SESSION AUTHORIZATION`.
public final class PostgresBackend: AddonDataBackend {
    /// The admin URL every connection is opened with.
    public let url: String

    /// The most connections each open addon uses for its queries (plus one for migrations).
    public let poolSize: Int

    private let admin: Mutex<PostgresConnection?>

    /// Connects to `url` (`postgres://user:password@host:port/database`) to check it works.
    public init(url: String, poolSize: Int = 4) throws {
        self.url = url
        self.poolSize = poolSize
        admin = Mutex(try PostgresConnection(url: url))
    }

    /// `postgres`.
    public var dialect: String { "postgres" }

    /// `postgres schema addon_<id> (role berth_addon_<id>)`.
    public func location(of id: String) -> String {
        "postgres schema addon_\(id) (role berth_addon_\(id))"
    }

    /// Whether schema `addon_<id>` exists.
    public func namespaceExists(_ id: String) throws -> Bool {
        let names = try PostgresIdentifiers(id)
        return try !withAdmin { try $0.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.text(names.schema)]) }.isEmpty
    }

    /// Creates the role and the schema it owns, in one transaction, and opens them.
    ///
    /// The role can log in as nothing, create nothing outside its schema, and inherits nothing;
    /// `CREATE` on `public` is revoked from `PUBLIC` (the default since PostgreSQL 15, not before).
    public func createNamespace(_ id: String) throws -> any AddonDataHandle {
        let names = try PostgresIdentifiers(id)
        try withAdmin {
            try $0.transaction("""
                CREATE ROLE \(names.quotedRole) NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
                CREATE SCHEMA \(names.quotedSchema) AUTHORIZATION \(names.quotedRole);
                REVOKE ALL ON SCHEMA public FROM \(names.quotedRole);
                REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                """)
        }
        return PostgresAddonHandle(names: names, url: url, poolSize: poolSize)
    }

    /// Opens the existing schema; fails if it is missing.
    public func openNamespace(_ id: String) throws -> any AddonDataHandle {
        let names = try PostgresIdentifiers(id)
        guard try namespaceExists(id) else { throw PostgresError.namespaceMissing(names.schema) }
        return PostgresAddonHandle(names: names, url: url, poolSize: poolSize)
    }

    /// Drops the schema with everything in it, whatever else the role owns or was granted in
    /// this database, and the role, in one transaction. Close the addon's handles first.
    public func dropNamespace(_ id: String) throws -> [String] {
        let names = try PostgresIdentifiers(id)
        return try withAdmin { admin in
            let schemaExists = try !admin.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.text(names.schema)]).isEmpty
            let roleExists = try !admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [.text(names.role)]).isEmpty
            var script: [String] = []
            var removed: [String] = []
            if schemaExists {
                script.append("DROP SCHEMA \(names.quotedSchema) CASCADE")
                removed.append("schema \(names.schema)")
            }
            if roleExists {
                // DROP OWNED also revokes every privilege granted to the role, which DROP ROLE
                // would otherwise refuse to leave dangling.
                script += ["DROP OWNED BY \(names.quotedRole)", "DROP ROLE \(names.quotedRole)"]
                removed.append("role \(names.role)")
            }
            if !script.isEmpty { try admin.transaction(script.joined(separator: ";\n")) }
            return removed
        }
    }

    /// What the catalogs still hold of addon `id`: see ``PostgresBackend/audit(_:)``.
    public func residue(of id: String) -> [String] {
        do {
            let names = try PostgresIdentifiers(id)
            return try withAdmin { try Self.audit(names, on: $0) }
        } catch {
            return ["cannot audit the PostgreSQL data of \(id): \(error)"]
        }
    }

    /// Closes the admin connection; open addon handles keep theirs until closed.
    public func close() {
        admin.withLock { connection in
            connection?.close()
            connection = nil
        }
    }

    /// Runs `body` on the admin connection, reconnecting first if it broke.
    func withAdmin<R>(_ body: (PostgresConnection) throws -> R) throws -> R {
        let connection = try admin.withLock { connection in
            if let existing = connection, existing.isUsable { return existing }
            let fresh = try PostgresConnection(url: url)
            connection = fresh
            return fresh
        }
        return try body(connection)
    }
}
