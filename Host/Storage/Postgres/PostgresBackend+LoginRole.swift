import PluginAPI

extension PostgresBackend {
    /// The login role's bounds, as role defaults: its sessions start with the server-side statement
    /// timeout and the client check even before the host's `SET`s.
    static func loginSettings(_ names: PostgresIdentifiers, _ limits: PostgresLimits) -> [String] {
        expectedDefaults(names, limits).dropFirst(2).map { setting in
            let (name, value) = (setting.prefix { $0 != "=" }, setting.drop { $0 != "=" }.dropFirst())
            return "ALTER ROLE \(names.quotedLogin) SET \(name) = \(PostgresIdentifiers.literal(String(value)))"
        }
    }

    /// Every default the login role should have, as `pg_db_role_setting` lists them.
    private static func expectedDefaults(_ names: PostgresIdentifiers, _ limits: PostgresLimits) -> [String] {
        [
            "role=\(names.role)", "search_path=\(names.schema), pg_temp",
            "statement_timeout=\(limits.serverStatementTimeout)",
            "client_connection_check_interval=1000",
        ]
    }

    /// Puts the login role's connection limit and defaults back when they differ from what this
    /// host sets: after a change of the settings, or after the addon's own SQL changed its login
    /// role's defaults (a role may `ALTER ROLE` itself that far). Reads first: writing the role's
    /// catalog rows at every open would make concurrent opens fail.
    static func enforceLoginSettings(_ names: PostgresIdentifiers, _ limits: PostgresLimits, on admin: PostgresConnection) throws {
        let row = try admin.query("""
            SELECT r.rolconnlimit AS connlimit,
                   coalesce((SELECT array_to_string(array(SELECT unnest(s.setconfig) ORDER BY 1), E'\\n')
                             FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0), '') AS defaults
            FROM pg_roles r WHERE r.rolname = $1
            """, [.text(names.login)]).first
        let defaults = (row?["defaults"]?.text ?? "").split(separator: "\n").map(String.init)
        var script: [String] = []
        if row?["connlimit"]?.integer != Int64(limits.connectionLimit) {
            script.append("ALTER ROLE \(names.quotedLogin) CONNECTION LIMIT \(limits.connectionLimit)")
        }
        if defaults != expectedDefaults(names, limits).sorted() {
            script += ["ALTER ROLE \(names.quotedLogin) RESET ALL",
                       "ALTER ROLE \(names.quotedLogin) SET role = \(PostgresIdentifiers.literal(names.role))",
                       "ALTER ROLE \(names.quotedLogin) SET search_path = \(names.quotedSchema), pg_temp"] + loginSettings(names, limits)
        }
        guard !script.isEmpty else { return }
        try admin.transaction(script.joined(separator: ";\n"))
    }
}
