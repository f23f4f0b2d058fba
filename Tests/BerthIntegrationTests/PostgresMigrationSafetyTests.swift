import BerthTestSupport
import Foundation
import Testing

/// A package's migrations cannot end, split or prepare the transaction the host runs them in, and
/// what a killed check or a hostile addon left on the server (a prepared transaction holding
/// locks, an abandoned scratch schema and its roles) is found and removed.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresMigrationSafetyTests {
    @Test func migrationsThatEndOrPrepareTheHostsTransactionAreRefusedAndLeaveNothing() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }

        let hostile = [
            "prepare": "CREATE TABLE t (x int); INSERT INTO t VALUES (1); PREPARE TRANSACTION 'evil_\(database.token)'",
            "commit": "CREATE TABLE a (x int); COMMIT; CREATE TABLE b (x int)",
            "end": "CREATE TABLE a (x int);\n  end ;CREATE TABLE b (x int)",
            "hidden": "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1'; END; CREATE TABLE c (x int)",
            "do": "CREATE TABLE a (x int); DO $$ BEGIN COMMIT; END $$",
            "savepoint": "SAVEPOINT s; CREATE TABLE a (x int); RELEASE s",
        ]
        for (label, up) in hostile.sorted(by: { $0.key < $1.key }) {
            let id = database.id(label)
            let package = try host.packages.fixture(id: id, version: "1.0.0", migrations: [("0001_evil", up, "DROP TABLE IF EXISTS t, a, b, c; DROP FUNCTION IF EXISTS f(int);")], dialects: ["postgres"])
            #expect(try host.upload(package).status == 201)
            let reply = try host.install(id)
            #expect(reply.status == 422, "\(label): \(reply.status) \(reply.text)")
            if label != "hidden" && label != "do" {
                #expect(reply.errorCode == "migration_transaction_control", "\(label): \(reply.text)")
            }
            #expect(try database.traces(of: id) == [], "\(label)")
        }
        #expect(try database.query("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()") == [])
        #expect(try database.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'addon\\_%'") == [])

        // Words of transaction control in strings, comments and function bodies are fine.
        let fine = database.id("fine")
        let up = """
            CREATE TABLE notes (body text); -- COMMIT; nothing here
            INSERT INTO notes VALUES ('BEGIN; COMMIT; PREPARE TRANSACTION ''x''');
            /* ROLLBACK; /* nested */ END; */
            CREATE FUNCTION touch() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
            CREATE FUNCTION atomic_one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;
            """
        let package = try host.packages.fixture(id: fine, version: "1.0.0", migrations: [("0001_notes", up, "DROP FUNCTION atomic_one(); DROP FUNCTION touch(); DROP TABLE notes;")], dialects: ["postgres"])
        let installed = try host.uploadAndInstall(package, id: fine)
        #expect(installed.status == 201)
        #expect(try database.query("SELECT body FROM addon_\(fine).notes") == ["BEGIN; COMMIT; PREPARE TRANSACTION 'x'"])
    }

    @Test func aPreparedTransactionOfAnAddonRoleAndAnAbandonedScratchNamespaceAreRemoved() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let id = database.id("notes")
        _ = try host.uploadAndInstall(try host.packages.fixture(id: id, version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1)), dialects: ["postgres"]), id: id)

        // A prepared transaction of the addon's role, holding a lock in its schema.
        try database.query("BEGIN; SET LOCAL ROLE berth_addon_\(id); INSERT INTO addon_\(id).items (name) VALUES ('held'); PREPARE TRANSACTION 'held_\(database.token)'")
        #expect(try database.query("SELECT owner FROM pg_prepared_xacts WHERE database = current_database()") == ["berth_addon_\(id)"])

        // What a host killed during an up → down → up check leaves: a scratch schema and two roles.
        let scratch = "scratch_1_\(database.token)"
        try database.query("""
            CREATE ROLE berth_addon_\(scratch) NOLOGIN; CREATE SCHEMA addon_\(scratch) AUTHORIZATION berth_addon_\(scratch);
            CREATE TABLE addon_\(scratch).half (x int); ALTER TABLE addon_\(scratch).half OWNER TO berth_addon_\(scratch);
            CREATE ROLE berth_login_\(scratch) LOGIN IN ROLE berth_addon_\(scratch)
            """)

        let uninstalled = try host.uninstall(id)
        #expect(uninstalled.status == 200, "\(uninstalled.text)")
        #expect(uninstalled.json["residue"] as? [String] == [], "\(uninstalled.text)")
        #expect(try database.traces(of: id) == [])
        #expect(try database.traces(of: scratch) == [])
        #expect(try database.query("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()") == [])
    }

    @Test func aDownMigrationCannotHideWhatItLeavesBehindTheReversibilityCheck() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let downs = [
            "temp": "CREATE TEMP TABLE pg_namespace (oid oid, nspname name); CREATE TEMP TABLE pg_class (oid oid, relkind char, relname name, relnamespace oid)",
            "path": "SET search_path = pg_temp; CREATE TEMP TABLE pg_namespace (oid oid, nspname name); CREATE TEMP TABLE berth_migrations (id text)",
        ]
        for (label, down) in downs.sorted(by: { $0.key < $1.key }) {
            let id = database.id(label)
            let package = try host.packages.fixture(id: id, version: "1.0.0", migrations: [("0001_kept", "CREATE TABLE kept (x int)", down)], dialects: ["postgres"])
            #expect(try host.upload(package).status == 201)
            let reply = try host.install(id)
            #expect(reply.status == 422 && reply.errorCode == "irreversible_migration", "\(label): \(reply.status) \(reply.text)")
            #expect((reply.errorMessage ?? "").contains("table kept"), "\(label): \(reply.text)")
            #expect(try database.traces(of: id) == [], "\(label)")
        }
    }
}
