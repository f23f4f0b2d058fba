import BerthStorage
import PluginAPI
import Testing

/// A hostile addon against its neighbour and the host: PostgreSQL itself refuses it.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresIsolationTests {
    /// Addon `victim` with a table of secrets, addon `hostile` with a table of its own, and a host
    /// table in `public`; `body` gets the hostile handle and the names.
    func withTwoAddons(_ body: (any AddonDataHandle, _ victim: String, _ hostTable: String) async throws -> Void) async throws {
        let backend = try PostgresTestServer.backend()
        let (hostile, victim) = (PostgresTestServer.uniqueID("hostile"), PostgresTestServer.uniqueID("victim"))
        let hostTable = "host_" + PostgresTestServer.uniqueID("secrets")
        let admin = try PostgresTestServer.admin()
        defer {
            _ = try? backend.dropNamespace(hostile)
            _ = try? backend.dropNamespace(victim)
            try? admin.executeScript("DROP TABLE IF EXISTS public.\(hostTable)")
            admin.close()
        }
        try admin.executeScript("CREATE TABLE public.\(hostTable) (token text); INSERT INTO public.\(hostTable) VALUES ('host-only')")
        let victimHandle = try backend.createNamespace(victim)
        try victimHandle.runAtomically("CREATE TABLE secrets (value text); INSERT INTO secrets VALUES ('victim-only')")
        victimHandle.close()
        let hostileHandle = try backend.createNamespace(hostile)
        defer { hostileHandle.close() }
        try hostileHandle.runAtomically("CREATE TABLE mine (x int)")
        try await body(hostileHandle, "addon_\(victim)", hostTable)
    }

    /// Runs `sql` through the addon's database and returns PostgreSQL's SQLSTATE, or nil if it ran.
    func sqlState(of sql: String, on database: any AddonDatabase) async -> String? {
        do {
            _ = try await database.query(sql, [])
            return nil
        } catch let error as PostgresError {
            return error.sqlState
        } catch {
            return "not a PostgresError: \(error)"
        }
    }

    @Test func readingWritingAndDDLInAnotherAddonsSchemaAreRefusedByPostgres() async throws {
        try await withTwoAddons { hostile, victim, _ in
            let database = hostile.database
            #expect(await sqlState(of: "SELECT * FROM \(victim).secrets", on: database) == "42501")
            #expect(await sqlState(of: "INSERT INTO \(victim).secrets VALUES ('forged')", on: database) == "42501")
            #expect(await sqlState(of: "CREATE TABLE \(victim).planted (x int)", on: database) == "42501")
            #expect(await sqlState(of: "DROP TABLE \(victim).secrets", on: database) == "42501")
            #expect(await sqlState(of: "SELECT count(*) FROM mine", on: database) == nil, "its own table still works")
        }
    }

    @Test func readingTheHostsTablesInPublicIsRefusedByPostgres() async throws {
        try await withTwoAddons { hostile, _, hostTable in
            let database = hostile.database
            #expect(await sqlState(of: "SELECT * FROM public.\(hostTable)", on: database) == "42501")
            #expect(await sqlState(of: "UPDATE public.\(hostTable) SET token = 'stolen'", on: database) == "42501")
            #expect(await sqlState(of: "CREATE TABLE public.planted (x int)", on: database) == "42501")
        }
    }

    @Test func aHostileMigrationIsRefusedAndRolledBack() async throws {
        try await withTwoAddons { hostile, victim, _ in
            let error = try #require(throws: PostgresError.self) {
                try hostile.runAtomically("CREATE TABLE fine (x int); CREATE TABLE \(victim).planted (x int);")
            }
            #expect(error.sqlState == "42501")
            #expect(error.message.contains("permission denied for schema \(victim)"))
            let objects = try hostile.schemaObjects()
            #expect(objects == ["table mine"])
        }
    }

    @Test func switchingToAnotherRoleOrSessionIsRefused() async throws {
        try await withTwoAddons { hostile, victim, _ in
            let database = hostile.database
            let victimRole = "berth_" + victim
            #expect(await sqlState(of: "SET ROLE \(victimRole)", on: database) == "42501")
            #expect(await sqlState(of: "SET ROLE berth", on: database) == "42501")
            #expect(await sqlState(of: "SELECT set_config('role', '\(victimRole)', false)", on: database) == "42501")
            #expect(await sqlState(of: "SET SESSION AUTHORIZATION berth", on: database) == "42501")
        }
    }

    /// On a superuser's session these would run as the superuser for the length of one statement,
    /// long enough to copy the host's secrets; on the addon's login role there is nothing to reach.
    @Test func escapingTheRoleInsideAFunctionOrDOBlockIsRefused() async throws {
        try await withTwoAddons { hostile, victim, hostTable in
            let database = hostile.database
            try await database.execute("CREATE TABLE loot (x text)", [])
            let stealFromHost = "INSERT INTO loot SELECT token FROM public.\(hostTable);"
            let steal = stealFromHost + " INSERT INTO loot SELECT value FROM \(victim).secrets;"
            // SQL-language bodies are analysed when created, where the victim's schema is already
            // out of reach, so these try the host's table only; PL/pgSQL bodies try both.
            try await database.execute("CREATE FUNCTION escape_by_session() RETURNS void LANGUAGE sql AS $$ SET SESSION AUTHORIZATION DEFAULT; \(stealFromHost) $$", [])
            try await database.execute("CREATE FUNCTION escape_by_role() RETURNS void LANGUAGE sql AS $$ RESET ROLE; \(stealFromHost) $$", [])
            try await database.execute("CREATE FUNCTION escape_late() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET ROLE NONE; \(steal) END $$", [])
            #expect(await sqlState(of: "SELECT escape_by_session()", on: database) == "42501")
            #expect(await sqlState(of: "SELECT escape_by_role()", on: database) == "42501")
            // Without the addon's role its own schema drops off the search path: `loot` is
            // not found (42P01) before the theft could be refused.
            let late = await sqlState(of: "SELECT escape_late()", on: database)
            #expect(late == "42P01")
            let block = await sqlState(of: "DO $$ BEGIN SET ROLE NONE; \(steal) END $$", on: database)
            #expect(block == "42P01")
            #expect(await sqlState(of: "DO $$ BEGIN PERFORM set_config('session_authorization', 'berth', true); \(steal) END $$", on: database) == "42501")
            #expect(try await database.query("SELECT count(*) AS n FROM loot", []).first?["n"] == .integer(0))
        }
    }

    @Test func resettingTheRoleOrTheSessionLandsBackInTheAddonsRole() async throws {
        try await withTwoAddons { hostile, victim, hostTable in
            let database = hostile.database
            for reset in ["RESET ROLE", "RESET SESSION AUTHORIZATION", "DISCARD ALL", "SET ROLE NONE"] {
                try await database.execute(reset, [])
                #expect(await sqlState(of: "SELECT * FROM \(victim).secrets", on: database) == "42501", "\(reset)")
                #expect(await sqlState(of: "SELECT * FROM public.\(hostTable)", on: database) == "42501", "\(reset)")
            }
            let who = try await database.query("SELECT session_user AS s, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS su", []).first
            #expect(who?["s"]?.text?.hasPrefix("berth_login_hostile_") == true)
            #expect(who?["su"] == .integer(0))
        }
    }
}
