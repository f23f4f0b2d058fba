import Foundation
import PluginAPI

extension PostgresBackend {
    /// How old an `addon_scratch_*` namespace without any session must be to count as abandoned: a
    /// running up → down → up check keeps its connection open from its first migration on.
    static let scratchGrace: TimeInterval = 60

    /// Rolls back the prepared transactions of `roles` in this database: a migration, or an addon,
    /// that ended in `PREPARE TRANSACTION` left one holding its locks, surviving restarts.
    /// - Returns: what was rolled back.
    static func rollBackPreparedTransactions(of roles: [String], on admin: PostgresConnection) throws -> [String] {
        var removed: [String] = []
        for role in roles {
            let gids = try admin.query("SELECT gid FROM pg_prepared_xacts WHERE owner = $1 AND database = current_database()", [.text(role)]).compactMap { $0["gid"]?.text }
            for gid in gids {
                try admin.executeScript("ROLLBACK PREPARED \(PostgresIdentifiers.literal(gid))")
                removed.append("prepared transaction \(gid) of role \(role)")
            }
        }
        return removed
    }

    /// Scratch namespaces of up → down → up checks whose host was killed during the check, and their
    /// roles: no session of their login role, and older than ``scratchGrace`` (by the time in their
    /// name). Each is dropped like an uninstalled addon's.
    /// - Returns: what was removed.
    func removeAbandonedScratchNamespaces() -> [String] {
        do {
            let ids = try withAdmin { try Self.abandonedScratchIDs(on: $0) }
            return ids.flatMap { (try? dropNamespace($0)) ?? [] }
        } catch {
            return []
        }
    }

    /// Ids of abandoned scratch namespaces: schemas in this database, and role pairs left with no
    /// object in any database.
    static func abandonedScratchIDs(on admin: PostgresConnection) throws -> [String] {
        let candidates = try admin.query("""
            SELECT substr(nspname, 7) AS id FROM pg_namespace WHERE nspname LIKE 'addon\\_scratch\\_%'
            UNION
            SELECT substr(r.rolname, 13) FROM pg_roles r WHERE r.rolname LIKE 'berth\\_addon\\_scratch\\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_shdepend s WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = r.oid AND s.dbid <> 0)
            """).compactMap { $0["id"]?.text }
        let now = Date().timeIntervalSince1970
        return try candidates.sorted().filter { id in
            let parts = id.split(separator: "_")
            // Names without a time come from hosts before it was added: their age is unknown.
            if parts.count == 3, let created = TimeInterval(parts[1]), now - created < scratchGrace { return false }
            return try admin.query("SELECT 1 FROM pg_stat_activity WHERE usename = $1", [.text("berth_login_" + id)]).isEmpty
        }
    }
}
