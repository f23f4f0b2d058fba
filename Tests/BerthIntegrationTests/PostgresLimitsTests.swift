import BerthTestSupport
import Foundation
import Testing

/// A hostile addon's SQL (the `FixtureSQLAddon` runs its request body) cannot outlive its request
/// or lift its bounds: a statement past the handler's deadline is cancelled on the server, even
/// when the addon turned the server's own timeouts off or its worker was replaced; the addon's
/// login role has a connection limit; a result past the row or byte limit is refused without the
/// host holding it; notifications sent to the addon's connections do not pile up in the host.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresLimitsTests {
    func sql(_ statement: String, _ client: HTTPTestClient, _ addon: String, timeout: Int = 30) throws -> HTTPTestClient.Reply {
        try client.send("POST", "/api/v1/\(addon)/sql", body: Array(statement.utf8), timeout: timeout)
    }

    /// The addon's backends running a statement now.
    func activeStatements(of id: String, in database: PostgresTestDatabase) throws -> [String] {
        try database.query("SELECT query FROM pg_stat_activity WHERE usename = 'berth_login_\(id)' AND state = 'active'")
    }

    @Test func aStatementPastTheHandlersDeadlineIsCancelledOnTheServerEvenWhenItsWorkerIsReplaced() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_DATABASE_URL": database.url, "BERTH_HANDLER_TIMEOUT": "3"])
        defer { host.close() }
        let hostile = database.id("hostile")
        try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 2 }

        let statements = [
            "SELECT pg_sleep(900)",
            // The server's own bounds turned off inside the statement: the host's still hold.
            "DO $$ BEGIN SET statement_timeout = 0; SET client_connection_check_interval = 0; PERFORM pg_sleep(900); END $$",
        ]
        for statement in statements {
            let reply = try sql(statement, host.anonymous, hostile, timeout: 20)
            #expect(reply.status == 504 || reply.status == 422, "\(statement): \(reply.status) \(reply.text)")
            let ended = try? pollUntil("the statement ended on the server", timeout: 10) { try activeStatements(of: hostile, in: database).isEmpty }
            #expect(ended != nil, "\(statement): still running: \((try? activeStatements(of: hostile, in: database)) ?? [])")
        }
        #expect(try sql("SELECT 1", host.anonymous, hostile).status == 200)
    }

    @Test func theAddonCannotLiftItsStatementTimeoutAndItsLoginRoleHasAConnectionLimit() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url, "BERTH_DATABASE_STATEMENT_TIMEOUT": "1.5", "BERTH_DATABASE_ADDON_CONNECTIONS": "9"])
        defer { host.close() }
        let hostile = database.id("hostile")
        _ = try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        let client = host.berth.anonymous

        // Every way to turn the timeout off, each in a call of its own, then a long statement.
        let attempts = [
            "SET statement_timeout = 0",
            "SELECT set_config('statement_timeout', '0', false)",
            "DO $$ BEGIN SET ROLE NONE; EXECUTE 'ALTER ROLE berth_login_\(hostile) SET statement_timeout = 0'; END $$",
        ]
        for attempt in attempts {
            _ = try sql(attempt, client, hostile)
            for statement in ["SELECT pg_sleep(60)", "DO $$ BEGIN SET statement_timeout = 0; PERFORM pg_sleep(60); END $$"] {
                let reply = try sql(statement, client, hostile, timeout: 20)
                #expect(reply.status == 422 && reply.json["sqlState"] as? String == "57014", "after \(attempt), \(statement): \(reply.text)")
                #expect((reply.json["message"] as? String)?.contains("BERTH_DATABASE_STATEMENT_TIMEOUT") == true, "\(reply.text)")
            }
        }
        #expect(try activeStatements(of: hostile, in: database).isEmpty)
        #expect(try database.query("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'berth_login_\(hostile)'") == ["9"])
        #expect(try sql("SELECT 1", client, hostile).status == 200)
    }

    @Test func aResultPastTheByteLimitIsRefusedWithoutTheHostHoldingIt() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        let hostile = database.id("hostile")
        _ = try host.uploadAndInstall(try host.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)

        // 400 MB asked for; the default limit is 64 MiB.
        let reply = try sql("SELECT repeat('x', 1000000) FROM generate_series(1, 400)", host.berth.anonymous, hostile, timeout: 60)
        #expect(reply.status == 422, "\(reply.status) \(reply.text.prefix(300))")
        #expect((reply.json["message"] as? String)?.contains("BERTH_DATABASE_MAX_RESULT_BYTES") == true, "\(reply.text.prefix(300))")
        let status = SupervisedHost.procFile("/proc/\(host.berth.pid)/status")
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        #expect(peak > 0 && peak < 300 * 1024, "the host's peak resident memory was \(peak) kB")
        #expect(try sql("SELECT 1", host.berth.anonymous, hostile).status == 200)
    }
}
