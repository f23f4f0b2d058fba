import PluginAPI

extension PostgresBackend {
    /// Everything of an addon the catalogs still hold, one readable line each; empty when clean.
    ///
    /// Checks the schema and what is in it, then for the owner and the login role: whether it
    /// exists, anything it owns in this database (relations, functions, types, schemas, default
    /// privileges) or in another database of the cluster, privileges granted to it, and role
    /// memberships.
    static func audit(_ names: PostgresIdentifiers, on admin: PostgresConnection) throws -> [String] {
        var lines: [String] = []
        let schema = [SQLValue.text(names.schema)]
        if let owner = try admin.query("SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1", schema).first {
            lines.append("schema \(names.schema) (owner \(owner["owner"]?.text ?? "?")) still exists")
            lines += try admin.query(PostgresAddonHandle.schemaObjectsQuery, schema)
                .map { "\($0["kind"]?.text ?? "?") \(names.schema).\($0["name"]?.text ?? "?") still exists" }
        }
        for name in [names.role, names.login] {
            guard let role = try admin.query("SELECT oid FROM pg_roles WHERE rolname = $1", [.text(name)]).first?["oid"] else { continue }
            lines.append("role \(name) still exists")
            lines += try admin.query(ownedQuery, [role]).map { "\($0["object"]?.text ?? "?") is owned by role \(name)" }
            lines += try admin.query(grantsQuery, [role]).map { "\($0["grant"]?.text ?? "?") is granted to role \(name)" }
            lines += try admin.query("SELECT gid, database FROM pg_prepared_xacts WHERE owner = $1 ORDER BY gid", [.text(name)]).map { row in
                "prepared transaction \(row["gid"]?.text ?? "?") of role \(name) in database \(row["database"]?.text ?? "?")"
            }
            lines += try admin.query(elsewhereQuery, [role]).map { row in
                "\(row["count"]?.integer ?? 0) object(s) or privilege(s) of role \(name) in database \(row["database"]?.text ?? "?")"
            }
            // Between the two roles, their shared membership would be reported twice.
            for line in try admin.query(membershipQuery, [role]).map({ "role membership \($0["membership"]?.text ?? "?")" }) where !lines.contains(line) {
                lines.append(line)
            }
        }
        return lines
    }

    /// Objects owned by the role in this database, from each catalog's owner column.
    private static let ownedQuery = """
        SELECT object FROM (
            SELECT 'relation ' || c.oid::regclass::text AS object FROM pg_class c WHERE c.relowner = $1
            UNION ALL SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p WHERE p.proowner = $1
            UNION ALL SELECT 'type ' || t.oid::regtype::text FROM pg_type t
                WHERE t.typowner = $1 AND t.typrelid = 0 AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
            UNION ALL SELECT 'schema ' || n.nspname FROM pg_namespace n WHERE n.nspowner = $1
            UNION ALL SELECT 'default privileges for objects in ' || CASE d.defaclnamespace WHEN 0 THEN 'any schema' ELSE d.defaclnamespace::regnamespace::text END
                FROM pg_default_acl d WHERE d.defaclrole = $1
            UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datdba = $1
            UNION ALL SELECT pg_describe_object(s.classid, s.objid, s.objsubid) FROM pg_shdepend s
                WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND s.deptype = 'o'
                  AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND s.classid NOT IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                                        'pg_namespace'::regclass, 'pg_default_acl'::regclass)
        ) owned ORDER BY object
        """

    /// Privileges granted to the role on anything in this database: table grants from the
    /// information schema, and every other ACL entry or policy naming it from `pg_shdepend`.
    private static let grantsQuery = """
        SELECT DISTINCT grant_text AS grant FROM (
            SELECT privilege_type || ' on ' || table_schema || '.' || table_name AS grant_text
                FROM information_schema.role_table_grants WHERE grantee = (SELECT rolname FROM pg_roles WHERE oid = $1)
            UNION ALL SELECT 'a privilege on ' || pg_describe_object(s.classid, s.objid, s.objsubid) FROM pg_shdepend s
                WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND s.deptype IN ('a', 'r')
                  AND s.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
                  AND s.classid <> 'pg_class'::regclass
            UNION ALL SELECT 'default privileges in ' || CASE d.defaclnamespace WHEN 0 THEN 'any schema' ELSE d.defaclnamespace::regnamespace::text END
                FROM pg_default_acl d WHERE EXISTS (SELECT 1 FROM aclexplode(d.defaclacl) a WHERE a.grantee = $1)
        ) grants ORDER BY grant_text
        """

    /// What `DROP OWNED` in this database cannot reach: the role's objects in other databases.
    private static let elsewhereQuery = """
        SELECT d.datname AS database, count(*) AS count FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
        WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND d.datname <> current_database()
        GROUP BY d.datname ORDER BY d.datname
        """

    private static let membershipQuery = """
        SELECT pg_get_userbyid(member) || ' is a member of ' || pg_get_userbyid(roleid) AS membership
        FROM pg_auth_members WHERE roleid = $1 OR member = $1 ORDER BY 1
        """
}
