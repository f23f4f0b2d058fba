import BerthTestSupport
import Foundation
import Testing

/// A hostile addon installed in a real host on PostgreSQL runs SQL of its choosing (the
/// `FixtureSQLAddon` executes its request body) against its neighbour's schema and the host's
/// tables: PostgreSQL itself refuses every attempt with `42501 insufficient_privilege`.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresHostileAddonTests {
    /// What the database said to one statement sent through the hostile addon's route.
    struct Outcome: CustomStringConvertible {
        let status: Int
        let sqlState: String?
        let message: String
        var description: String { "\(status) \(sqlState ?? "-") \(message.prefix(200))" }
    }

    func run(_ sql: String, on host: IntegrationHost, addon: String) throws -> Outcome {
        let reply = try host.berth.anonymous.send("POST", "/api/v1/\(addon)/sql", body: Array(sql.utf8))
        return Outcome(status: reply.status, sqlState: reply.json["sqlState"] as? String, message: reply.json["message"] as? String ?? reply.text)
    }

    @Test func anotherAddonsSchemaCannotBeReadWrittenOrAlteredThroughTheHost() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let (victim, hostile) = (database.id("victim"), database.id("hostile"))
        _ = try host.uploadAndInstall(try host.packages.fixture(id: victim, version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1)), dialects: ["postgres"]), id: victim)
        _ = try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/\(victim)/items", body: Array("secret".utf8)).status == 201)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/\(hostile)/dialect").text == "postgres")

        #expect(try run("CREATE TABLE mine (x int)", on: host, addon: hostile).status == 200, "its own schema works")
        #expect(try run("INSERT INTO mine VALUES (1)", on: host, addon: hostile).status == 200)

        let schema = "addon_\(victim)"
        let attempts = [
            "read": "SELECT name FROM \(schema).items",
            "write": "INSERT INTO \(schema).items (name) VALUES ('forged')",
            "update": "UPDATE \(schema).items SET name = 'stolen'",
            "create": "CREATE TABLE \(schema).planted (x int)",
            "alter": "ALTER TABLE \(schema).items ADD COLUMN planted int",
            "drop": "DROP TABLE \(schema).items",
            "become the victim": "SET ROLE berth_addon_\(victim)",
            "read the host's secret": "SELECT value FROM public.berth_storage_secret",
            "plant in public": "CREATE TABLE public.planted (x int)",
        ]
        for (what, sql) in attempts.sorted(by: { $0.key < $1.key }) {
            let outcome = try run(sql, on: host, addon: hostile)
            #expect(outcome.status == 422 && outcome.sqlState == "42501", "\(what): \(outcome)")
            #expect(outcome.message.contains("permission denied"), "\(what): \(outcome)")
        }
        #expect(try host.berth.anonymous.send("GET", "/api/v1/\(victim)/items").text == "secret", "the victim's data is untouched")
        #expect(try database.query("SELECT column_name FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = 'items'") == ["name"])
        #expect(try database.query("SELECT count(*) FROM pg_tables WHERE tablename = 'planted'") == ["0"])
    }
}
