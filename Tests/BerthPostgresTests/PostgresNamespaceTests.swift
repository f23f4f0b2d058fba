import BerthStorage
import PluginAPI
import Testing

/// An addon's schema and role from creation through migrations and queries to a clean drop.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresNamespaceTests {
    static let migrations = [
        Migration(
            id: "0001_notes",
            up: "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL); CREATE INDEX notes_body ON notes (body);",
            down: "DROP TABLE notes;"
        ),
        Migration(
            id: "0002_tags",
            up: """
                CREATE TYPE mood AS ENUM ('happy', 'sad');
                CREATE TABLE tags (note_id bigint REFERENCES notes (id), tag text, mood mood);
                CREATE VIEW tagged AS SELECT n.body, t.tag FROM notes n JOIN tags t ON t.note_id = n.id;
                CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$;
                """,
            down: "DROP FUNCTION shout(text); DROP VIEW tagged; DROP TABLE tags; DROP TYPE mood;"
        ),
    ]

    @Test func migrationsRunAndQueriesWorkInTheAddonsOwnSchema() async throws {
        let backend = try PostgresTestServer.backend()
        let id = PostgresTestServer.uniqueID("notes")
        defer { _ = try? backend.dropNamespace(id) }
        #expect(try backend.namespaceExists(id) == false)
        let handle = try backend.createNamespace(id)
        #expect(try backend.namespaceExists(id))
        #expect(try MigrationRunner(database: handle).applyAll(Self.migrations) == ["0001_notes", "0002_tags"])

        let database = handle.database
        #expect(database.dialect == "postgres")
        #expect(try await database.execute("INSERT INTO notes (body) VALUES ($1), ($2)", [.text("first"), .text("second")]) == 2)
        let rows = try await database.query("SELECT id, shout(body) AS loud FROM notes WHERE body <> $1 ORDER BY id", [.text("x")])
        #expect(rows.map { $0["loud"] } == [.text("FIRST"), .text("SECOND")])
        let schema = try await database.query("SELECT current_schema() AS s, current_user AS u, session_user AS v").first
        #expect(schema?["s"] == .text("addon_\(id)"))
        #expect(schema?["u"] == .text("berth_addon_\(id)"))
        #expect(schema?["v"] == .text("berth_login_\(id)"), "logged in as the addon's login role, not the admin")

        let owners = try PostgresTestServer.admin().query(
            "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = $1::regnamespace", [.text("addon_\(id)")]
        )
        #expect(owners.map { $0["owner"] } == [.text("berth_addon_\(id)")], "migrations ran as the addon's role")
        // The runner's ledger table aside, the schema holds exactly what the migrations made.
        let objects = try MigrationRunner(database: handle).userObjects()
        #expect(objects == [
            "function shout(t text)", "index notes_body", "index notes_pkey", "sequence notes_id_seq",
            "table notes", "table tags", "type mood", "view tagged",
        ])
        try MigrationRunner(database: handle).revertAll(Self.migrations)
        let left = try MigrationRunner(database: handle).userObjects()
        #expect(left == [])
        handle.close()
    }

    @Test func aFailingMigrationRollsBackCompletely() throws {
        let backend = try PostgresTestServer.backend()
        let id = PostgresTestServer.uniqueID("failing")
        defer { _ = try? backend.dropNamespace(id) }
        let handle = try backend.createNamespace(id)
        defer { handle.close() }
        let broken = Migration(id: "0003_broken", up: "CREATE TABLE half (x int); INSERT INTO half VALUES (1); INSERT INTO nowhere VALUES (1);", down: "DROP TABLE half;")
        let error = try #require(throws: MigrationError.self) { try MigrationRunner(database: handle).applyAll(Self.migrations + [broken]) }
        #expect(error.migrationID == "0003_broken")
        #expect((error.cause as? PostgresError)?.sqlState == "42P01")
        let left = try MigrationRunner(database: handle).userObjects()
        #expect(left == [], "the failing migration and the two before it are gone")
        handle.close()
    }

    @Test func droppingLeavesNoSchemaRoleObjectOrGrantBehind() throws {
        let backend = try PostgresTestServer.backend()
        let (id, neighbour) = (PostgresTestServer.uniqueID("gone"), PostgresTestServer.uniqueID("nb"))
        defer { _ = try? backend.dropNamespace(neighbour) }
        let handle = try backend.createNamespace(id)
        try MigrationRunner(database: handle).applyAll(Self.migrations)
        // A neighbour sharing data with the addon leaves a grant naming its role, outside its schema.
        let other = try backend.createNamespace(neighbour)
        defer { other.close() }
        try other.runAtomically("CREATE TABLE shared (x int); GRANT USAGE ON SCHEMA addon_\(neighbour) TO berth_addon_\(id); GRANT SELECT ON shared TO berth_addon_\(id);")
        let before = backend.residue(of: id)
        #expect(before.contains("role berth_addon_\(id) still exists"))
        #expect(before.contains("SELECT on addon_\(neighbour).shared is granted to role berth_addon_\(id)"))
        #expect(before.contains("relation addon_\(id).notes is owned by role berth_addon_\(id)"))

        handle.close()
        #expect(try backend.dropNamespace(id) == ["schema addon_\(id)", "role berth_addon_\(id)", "role berth_login_\(id)"])
        #expect(backend.residue(of: id) == [])
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        #expect(try admin.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.text("addon_\(id)")]).isEmpty)
        #expect(try admin.query("SELECT 1 FROM pg_roles WHERE rolname IN ($1, $2)", [.text("berth_addon_\(id)"), .text("berth_login_\(id)")]).isEmpty)
        #expect(try admin.query("SELECT 1 FROM pg_shdepend s JOIN pg_roles r ON r.oid = s.refobjid WHERE r.rolname LIKE $1", [.text("%_\(id)")]).isEmpty)
        #expect(try backend.dropNamespace(id) == [], "dropping again finds nothing")
        #expect(try backend.namespaceExists(id) == false)
    }

    @Test func theOwnerRoleIsNologinAndTheLoginRoleOnlyAMemberOfIt() throws {
        let backend = try PostgresTestServer.backend()
        let id = PostgresTestServer.uniqueID("role")
        defer { _ = try? backend.dropNamespace(id) }
        try backend.createNamespace(id).close()
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        let roles = try admin.query("""
            SELECT rolname, rolcanlogin, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolbypassrls
            FROM pg_roles WHERE rolname IN ($1, $2) ORDER BY rolname
            """, [.text("berth_addon_\(id)"), .text("berth_login_\(id)")])
        #expect(roles.map(\.values) == [
            [.text("berth_addon_\(id)"), .integer(0), .integer(0), .integer(0), .integer(0), .integer(0), .integer(0)],
            [.text("berth_login_\(id)"), .integer(1), .integer(0), .integer(0), .integer(0), .integer(0), .integer(0)],
        ])
        #expect(backend.location(of: id) == "postgres schema addon_\(id) (role berth_addon_\(id))")
        #expect(backend.residue(of: id) == [
            "schema addon_\(id) (owner berth_addon_\(id)) still exists",
            "role berth_addon_\(id) still exists",
            "schema addon_\(id) is owned by role berth_addon_\(id)",
            "role membership berth_login_\(id) is a member of berth_addon_\(id)",
            "role berth_login_\(id) still exists",
        ])
        #expect(throws: PostgresError.self, "creating it twice fails") { try backend.createNamespace(id) }
    }

    @Test(arguments: ["", "a", "Upper", "1abc", "has-dash", "semi;colon", "quote\"d", "x" + String(repeating: "y", count: 51)])
    func anInvalidAddonIDIsRefusedBeforeAnySQL(id: String) throws {
        let backend = try PostgresTestServer.backend()
        let error = try #require(throws: PostgresError.self) { try backend.createNamespace(id) }
        #expect(error.code == "postgres_invalid_addon_id")
    }
}
