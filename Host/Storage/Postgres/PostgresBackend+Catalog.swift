import Foundation
import PluginAPI

extension PostgresBackend {
    /// The row of `berth_storage_secret` the addon login passwords derive from.
    static let secretName = "addon_login"

    /// One-time preparation of the database, safe to run from several hosts at once.
    static func prepareDatabase(on admin: PostgresConnection) throws {
        let publicCreate = """
            SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
            WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE'
            """
        try idempotently(check: { try admin.query(publicCreate).isEmpty }) {
            try admin.executeScript("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        }
        // Only superusers can read it: a new table grants nothing to PUBLIC.
        try idempotently(check: { try admin.query("SELECT to_regclass('public.berth_storage_secret') IS NOT NULL AS t").first?["t"] == .integer(1) }) {
            try admin.executeScript("CREATE TABLE IF NOT EXISTS public.berth_storage_secret (name text PRIMARY KEY, value text NOT NULL)")
        }
        try admin.execute(
            "INSERT INTO public.berth_storage_secret (name, value) VALUES ($1, gen_random_uuid()::text || gen_random_uuid()::text) ON CONFLICT (name) DO NOTHING",
            [.text(secretName)]
        )
    }

    /// Runs `change` unless `check` says it is done; a failure is forgiven when another host made
    /// the same change meanwhile (catalog rows updated concurrently, or a duplicate type name).
    private static func idempotently(check done: () throws -> Bool, _ change: () throws -> Void) throws {
        guard try !done() else { return }
        do {
            try change()
        } catch {
            guard try done() else { throw error }
        }
    }

    /// The password of `names.login`: a hash of the database's secret and the addon id, so every
    /// host sharing the database derives the same one and none is stored.
    static func loginPassword(for names: PostgresIdentifiers, on admin: PostgresConnection) throws -> String {
        let row = try admin.query(
            "SELECT encode(sha256(convert_to(value || ':' || $2, 'UTF8')), 'hex') AS password FROM public.berth_storage_secret WHERE name = $1",
            [.text(secretName), .text(names.id)]
        ).first
        guard let password = row?["password"]?.text else {
            throw PostgresError.namespaceMissing("secret \(secretName) in public.berth_storage_secret")
        }
        return password
    }

    static func exists(schema: String, on admin: PostgresConnection) throws -> Bool {
        try !admin.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.text(schema)]).isEmpty
    }

    static func exists(role: String, on admin: PostgresConnection) throws -> Bool {
        try !admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [.text(role)]).isEmpty
    }

    static func databaseName(on admin: PostgresConnection) throws -> String {
        try admin.query("SELECT current_database() AS d").first?["d"]?.text ?? ""
    }

    /// Whether `PUBLIC` may connect to this database (the default), so login roles need no grant.
    static func publicCanConnect(on admin: PostgresConnection) throws -> Bool {
        try !admin.query("""
            SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
            WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'CONNECT'
            """).isEmpty
    }

    /// Terminates every session logged in as `login`, here or on another host, and waits up to two
    /// seconds for them to end: a live session would keep its temporary objects, and the role.
    static func endSessions(of login: String, on admin: PostgresConnection) throws {
        let sessions = "SELECT pid FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()"
        guard try !admin.query(sessions, [.text(login)]).isEmpty else { return }
        try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [.text(login)])
        var attempts = 0
        while attempts < 100, try !admin.query(sessions, [.text(login)]).isEmpty {
            usleep(20_000)
            attempts += 1
        }
    }
}
