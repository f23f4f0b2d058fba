import BerthTestSupport
import Foundation
import Testing

/// Connections whose backend ended (terminated, or a server restart) are replaced before a
/// statement is sent on them, so the next request and the next install succeed; and a login
/// password the addon changed through its own SQL is put back when the host's login fails.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresReconnectTests {
    @Test func afterEveryBackendWasTerminatedAndTheAddonChangedItsPasswordTheNextRequestAndInstallSucceed() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let hostile = database.id("hostile")
        _ = try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        let client = host.berth.anonymous
        func sql(_ statement: String) throws -> HTTPTestClient.Reply {
            try client.send("POST", "/api/v1/\(hostile)/sql", body: Array(statement.utf8))
        }
        #expect(try sql("SELECT 1").status == 200)

        // The addon sets its own login password: possible for any role, through its own SQL.
        let changed = try sql("DO $$ BEGIN SET ROLE NONE; EXECUTE 'ALTER ROLE berth_login_\(hostile) PASSWORD ''chosen-by-the-addon'''; END $$")
        #expect(changed.status == 200, "\(changed.text)")

        // Every session on the database ends: the addon's pooled ones and the host's own.
        try database.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        let gone = (try? pollUntil("the sessions ended", timeout: 10) {
            try database.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") == ["0"]
        }) != nil
        #expect(gone)

        for _ in 0 ..< 6 {
            let reply = try sql("SELECT 2")
            #expect(reply.status == 200, "\(reply.text)")
        }
        let notes = database.id("notes")
        let installed = try host.uploadAndInstall(try host.packages.fixture(id: notes, version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1)), dialects: ["postgres"]), id: notes)
        #expect(installed.status == 201)
    }
}
