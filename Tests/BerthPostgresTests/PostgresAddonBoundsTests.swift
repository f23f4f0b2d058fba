import BerthStorage
import Foundation
import PluginAPI
import Testing

/// What an addon's SQL can take of the host through its database: a result past the row or byte
/// limit is refused with a clear error, no `LISTEN` or advisory lock outlives the call that took
/// it, a task that gives up cancels its statement on the server, and the login role's defaults
/// are put back at the next open after the addon changed them.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresAddonBoundsTests {
    static func backend(_ limits: PostgresLimits) throws -> PostgresBackend {
        try PostgresBackend(url: PostgresTestServer.url(), poolSize: 1, limits: limits)
    }

    @Test func aResultPastTheRowOrByteLimitIsRefusedNamingTheSetting() async throws {
        let backend = try Self.backend(PostgresLimits(maxRows: 1000, maxResultBytes: 1 << 20))
        let id = PostgresTestServer.uniqueID("big")
        defer { _ = try? backend.dropNamespace(id) }
        let handle = try backend.createNamespace(id)
        defer { handle.close() }
        let database = handle.database

        #expect(try await database.query("SELECT n FROM generate_series(1, 1000) n", []).count == 1000, "up to the limit")
        for (sql, setting) in [("SELECT n FROM generate_series(1, 2000000) n", "BERTH_DATABASE_MAX_ROWS"),
                               ("SELECT repeat('x', 100000) FROM generate_series(1, 1000)", "BERTH_DATABASE_MAX_RESULT_BYTES")] {
            do {
                _ = try await database.query(sql, [])
                Issue.record("\(sql) was not refused")
            } catch let error as PostgresError {
                #expect(error.code == "postgres_result_too_large", "\(error)")
                #expect(error.message.contains(setting), "\(error)")
            }
        }
        #expect(try await database.query("SELECT 1 AS one", []).first?["one"] == .integer(1), "the connection serves the next call")
    }

    @Test func noListenOrAdvisoryLockOutlivesTheCallThatTookIt() async throws {
        let backend = try Self.backend(PostgresLimits())
        let id = PostgresTestServer.uniqueID("listen")
        defer { _ = try? backend.dropNamespace(id) }
        let handle = try backend.createNamespace(id)
        defer { handle.close() }
        let database = handle.database
        _ = try await database.query("LISTEN berth_desired", [])
        _ = try await database.query("SELECT pg_advisory_lock(42)", [])
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        for _ in 0 ..< 50 { try admin.execute("SELECT pg_notify('berth_desired', repeat('x', 7000))") }
        // One connection in the pool: the same session answers.
        #expect(try await database.query("SELECT count(*) AS c FROM pg_listening_channels()", []).first?["c"] == .integer(0))
        #expect(try admin.query("SELECT count(*) AS c FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").first?["c"] == .integer(0))
    }

    @Test func aCancelledTaskCancelsItsStatementOnTheServer() async throws {
        let backend = try Self.backend(PostgresLimits())
        let id = PostgresTestServer.uniqueID("cancel")
        defer { _ = try? backend.dropNamespace(id) }
        let handle = try backend.createNamespace(id)
        defer { handle.close() }
        let database = handle.database
        let sleeper = Task { try await database.query("SELECT pg_sleep(60)", []) }
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        let active = "SELECT count(*) AS c FROM pg_stat_activity WHERE usename = 'berth_login_\(id)' AND state = 'active'"
        var started = false
        for _ in 0 ..< 200 where !started {
            started = try admin.query(active).first?["c"] == .integer(1)
            if !started { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(started)
        sleeper.cancel()
        await #expect(throws: PostgresError.self) { try await sleeper.value }
        #expect(try admin.query(active).first?["c"] == .integer(0))
    }

    @Test func loginRoleDefaultsTheAddonChangedArePutBackAtTheNextOpenAndUnchangedOnesAreNotRewritten() async throws {
        let limits = PostgresLimits(statementTimeout: .seconds(7), connectionLimit: 11)
        let backend = try Self.backend(limits)
        let id = PostgresTestServer.uniqueID("role")
        defer { _ = try? backend.dropNamespace(id) }
        let handle = try backend.createNamespace(id)
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        let settings = "SELECT s.xmin::text AS version, array_to_string(s.setconfig, ',') AS config, r.rolconnlimit AS limit FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'berth_login_\(id)'"
        let created = try #require(try admin.query(settings).first)
        #expect(created["limit"] == .integer(11))
        #expect(created["config"]?.text?.contains("statement_timeout=8000") == true, "\(created)")
        try backend.openNamespace(id).close()
        #expect(try admin.query(settings).first?["version"] == created["version"], "an open rewrites nothing that is right")

        _ = try await handle.database.query("DO $$ BEGIN SET ROLE NONE; EXECUTE 'ALTER ROLE berth_login_\(id) SET statement_timeout = 0'; END $$", [])
        handle.close()
        #expect(try admin.query(settings).first?["config"]?.text?.contains("statement_timeout=0") == true, "the addon did change it")
        try backend.openNamespace(id).close()
        #expect(try admin.query(settings).first?["config"] == created["config"])
    }
}
