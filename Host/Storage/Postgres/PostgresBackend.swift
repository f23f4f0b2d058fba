import PluginAPI
import Synchronization

/// Addon data on PostgreSQL, isolated by the database itself.
///
/// Addon `id` gets schema `addon_<id>`, owned by the `NOLOGIN` role `berth_addon_<id>`, which is
/// granted nothing else. The host's connections for the addon log in as `berth_login_<id>`, a
/// non-superuser whose only power is membership in `berth_addon_<id>`, and switch to it
/// (`SET ROLE`, also the login role's default). PostgreSQL then refuses the addon's reads, writes
/// and DDL anywhere else with `42501 insufficient_privilege`.
///
/// Logging in as a non-superuser is what makes the role switch stick: on a superuser's session,
/// addon SQL could switch back (`RESET ROLE`, `SET SESSION AUTHORIZATION`) inside a single SQL
/// function or `DO` block, act as the superuser, and switch again before any check could see it.
/// Here the session's own identity holds nothing to switch back to.
///
/// The admin URL's user must be a superuser (it creates and drops roles), and the server's
/// `pg_hba.conf` must let `berth_login_*` roles log in with a password from the host's address.
public final class PostgresBackend: AddonDataBackend {
    /// The admin URL; addon connections use its server and database with their own login role.
    public let url: String

    /// The most connections each open addon uses for its queries (plus one for migrations).
    public let poolSize: Int

    /// What each addon may take of the server and the host.
    public let limits: PostgresLimits

    private let admin: Mutex<PostgresConnection?>

    /// Connects to `url` (`postgres://user:password@host:port/database`) and prepares the
    /// database: `PUBLIC` loses `CREATE` on schema `public` (PostgreSQL 15's default, not older
    /// versions'), and the secret the addon login passwords derive from is created once.
    public init(url: String, poolSize: Int = 4, limits: PostgresLimits = PostgresLimits()) throws {
        self.url = url
        self.poolSize = poolSize
        self.limits = limits
        let connection = try PostgresConnection(url: url)
        try Self.prepareDatabase(on: connection)
        admin = Mutex(connection)
        // Recovery of checks whose host was killed half-way, on every host that starts.
        _ = removeAbandonedScratchNamespaces()
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
        return try withAdmin { try Self.exists(schema: names.schema, on: $0) }
    }

    /// Creates the owner role, its schema and the login role, in one transaction, and opens them.
    ///
    /// Neither role is granted anything on `public`, so there is nothing there to revoke; a
    /// `REVOKE` per install would also rewrite `public`'s catalog row every time, and concurrent
    /// installs would fail with "tuple concurrently updated".
    public func createNamespace(_ id: String) throws -> any AddonDataHandle {
        let names = try PostgresIdentifiers(id)
        if id.hasPrefix("scratch_") { _ = removeAbandonedScratchNamespaces() }
        let password = try withAdmin { admin in
            let password = try Self.loginPassword(for: names, on: admin)
            let verifier = try admin.encryptedPassword(password, for: names.login)
            var script = [
                "CREATE ROLE \(names.quotedRole) NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
                "CREATE SCHEMA \(names.quotedSchema) AUTHORIZATION \(names.quotedRole)",
                "CREATE ROLE \(names.quotedLogin) LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT \(limits.connectionLimit) PASSWORD \(PostgresIdentifiers.literal(verifier)) IN ROLE \(names.quotedRole)",
                // Defaults as well as the handle's explicit SET: `RESET ROLE` or `DISCARD ALL`
                // in addon SQL lands back in the addon's role and schema.
                "ALTER ROLE \(names.quotedLogin) SET role = \(PostgresIdentifiers.literal(names.role))",
                "ALTER ROLE \(names.quotedLogin) SET search_path = \(names.quotedSchema), pg_temp",
            ] + Self.loginSettings(names, limits)
            if try !Self.publicCanConnect(on: admin) {
                script.append("GRANT CONNECT ON DATABASE \(PostgresIdentifiers.quote(try Self.databaseName(on: admin))) TO \(names.quotedLogin)")
            }
            try admin.transaction(script.joined(separator: ";\n"))
            return password
        }
        return PostgresAddonHandle(names: names, url: url, password: password, poolSize: poolSize, limits: limits, beforeMigration: clearPreparedTransactions(of: names), repairLogin: repairLogin(names, password: password))
    }

    /// Opens the existing schema; fails if it or the login role is missing.
    public func openNamespace(_ id: String) throws -> any AddonDataHandle {
        let names = try PostgresIdentifiers(id)
        let password = try withAdmin { admin in
            guard try Self.exists(schema: names.schema, on: admin) else { throw PostgresError.namespaceMissing(names.schema) }
            guard try Self.exists(role: names.login, on: admin) else { throw PostgresError.namespaceMissing("login role \(names.login) of \(names.schema)") }
            try Self.enforceLoginSettings(names, limits, on: admin)
            return try Self.loginPassword(for: names, on: admin)
        }
        return PostgresAddonHandle(names: names, url: url, password: password, poolSize: poolSize, limits: limits, beforeMigration: clearPreparedTransactions(of: names), repairLogin: repairLogin(names, password: password))
    }

    /// Ends the addon's sessions (on every host sharing the database), then drops the schema with
    /// everything in it, whatever else the roles own or were granted in this database, and both
    /// roles, in one transaction.
    public func dropNamespace(_ id: String) throws -> [String] {
        let names = try PostgresIdentifiers(id)
        return try withAdmin { admin in
            try Self.endSessions(of: names.login, on: admin)
            let roles = try [names.role, names.login].filter { try Self.exists(role: $0, on: admin) }
            var script: [String] = []
            // Before the drop, which would wait for their locks for ever.
            var removed = try Self.rollBackPreparedTransactions(of: roles, on: admin)
            if try Self.exists(schema: names.schema, on: admin) {
                script.append("DROP SCHEMA \(names.quotedSchema) CASCADE")
                removed.append("schema \(names.schema)")
            }
            if !roles.isEmpty {
                let quoted = roles.map(PostgresIdentifiers.quote).joined(separator: ", ")
                // DROP OWNED also revokes every privilege granted to the roles, which DROP ROLE
                // would otherwise refuse to leave dangling.
                script += ["DROP OWNED BY \(quoted)", "DROP ROLE \(quoted)"]
                removed += roles.map { "role \($0)" }
            }
            if !script.isEmpty { try admin.transaction(script.joined(separator: ";\n")) }
            return removed
        }
    }

    /// What the catalogs still hold of addon `id`: see ``PostgresBackend/audit(_:on:)``.
    public func residue(of id: String) -> [String] {
        do {
            let names = try PostgresIdentifiers(id)
            // Scratch namespaces belong to no addon, so every audit removes those abandoned, and
            // reports any it could not.
            _ = removeAbandonedScratchNamespaces()
            let scratch = try withAdmin { try Self.abandonedScratchIDs(on: $0) }.map { "abandoned scratch namespace addon_\($0) (roles berth_addon_\($0), berth_login_\($0))" }
            return try withAdmin { try Self.audit(names, on: $0) } + scratch
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

    /// Rolls back the prepared transactions of the addon's roles, when there are any.
    private func clearPreparedTransactions(of names: PostgresIdentifiers) -> @Sendable () -> Void {
        { [weak self] in
            _ = try? self?.withAdmin { try Self.rollBackPreparedTransactions(of: [names.role, names.login], on: $0) }
        }
    }

    /// Sets the login role's password and defaults again: run when a connection as the login role
    /// fails, since the addon's own SQL may change both (a role may alter itself that far).
    private func repairLogin(_ names: PostgresIdentifiers, password: String) -> @Sendable () throws -> Void {
        { [weak self] in
            guard let self else { return }
            try self.withAdmin { admin in
                let verifier = try admin.encryptedPassword(password, for: names.login)
                try admin.executeScript("ALTER ROLE \(names.quotedLogin) PASSWORD \(PostgresIdentifiers.literal(verifier))")
                try Self.enforceLoginSettings(names, self.limits, on: admin)
            }
        }
    }

    /// Runs `body` on the admin connection, reconnecting first if it broke.
    func withAdmin<R>(_ body: (PostgresConnection) throws -> R) throws -> R {
        let connection = try admin.withLock { connection in
            if let existing = connection, existing.checkAlive() { return existing }
            connection?.close()
            let fresh = try PostgresConnection(url: url)
            connection = fresh
            return fresh
        }
        return try body(connection)
    }
}
