import BerthStorage
import PluginAPI
import Testing

/// The connection pool under load: borrowers beyond its size wait without blocking threads.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresPoolTests {
    @Test func fiftyConcurrentQueriesThroughAPoolOfFourAllSucceed() async throws {
        let backend = try PostgresTestServer.backend(poolSize: 4)
        let id = PostgresTestServer.uniqueID("busy")
        defer { _ = try? backend.dropNamespace(id) }
        let handle = try backend.createNamespace(id)
        defer { handle.close() }
        try handle.runAtomically("CREATE TABLE counter (n int)")
        let database = handle.database
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for n in 0 ..< 50 {
                group.addTask {
                    try await database.execute("INSERT INTO counter VALUES ($1)", [.integer(Int64(n))])
                    let row = try await database.query("SELECT $1::bigint * 2 AS doubled, pg_sleep(0.01) AS slept", [.integer(Int64(n))])
                    return row.first?["doubled"]?.integer ?? -1
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == (0 ..< 50).map { Int64($0 * 2) })
        #expect(try await database.query("SELECT count(*) AS c FROM counter", []).first?["c"] == .integer(50))
        #expect((handle as? PostgresAddonHandle)?.pool.connectionCount ?? 0 <= 4)
    }

    @Test func aTransactionLeftOpenIsRolledBackBeforeTheNextBorrower() async throws {
        let pool = PostgresPool(size: 1) { try PostgresTestServer.admin() }
        defer { pool.close() }
        try await pool.withConnection { connection in
            try connection.executeScript("CREATE TEMP TABLE left_open (x int)")
            try connection.executeScript("BEGIN; INSERT INTO left_open VALUES (1)")
        }
        let count = try await pool.withConnection { try $0.query("SELECT count(*) AS c FROM left_open").first?["c"] }
        #expect(count == .integer(0))
    }

    @Test func aConnectionWhoseBackendWasTerminatedIsReplaced() async throws {
        let pool = PostgresPool(size: 1) { try PostgresTestServer.admin() }
        defer { pool.close() }
        let first = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").first?["pid"] }
        let admin = try PostgresTestServer.admin()
        defer { admin.close() }
        try admin.execute("SELECT pg_terminate_backend($1::int)", [first ?? .null])
        let deadline = ContinuousClock.now + .seconds(10)
        while try admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1::int", [first ?? .null]).first?["n"] != .integer(0) {
            guard ContinuousClock.now < deadline else { Issue.record("the terminated backend did not go away"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The pool usually notices the closed session before sending; if the close is still in
        // flight, that one query fails saying the connection was lost, never anything else.
        do {
            _ = try await pool.withConnection { try $0.query("SELECT 1") }
        } catch let error as PostgresError {
            #expect(error.code == "postgres_connection_lost", "\(error)")
        }
        let second = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").first?["pid"] }
        #expect(second != nil && second != first)
    }

    @Test func aClosedPoolRefusesBorrowers() async throws {
        let pool = PostgresPool(size: 1) { try PostgresTestServer.admin() }
        pool.close()
        let error = await #expect(throws: PostgresError.self) { try await pool.withConnection { try $0.query("SELECT 1") } }
        #expect(error?.code == "postgres_pool_closed")
    }
}
