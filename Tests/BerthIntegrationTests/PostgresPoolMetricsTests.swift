import BerthTestSupport
import Foundation
import Testing

/// The database pool gauges of `/metrics` on a host whose addon data lives in PostgreSQL.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresPoolMetricsTests {
    @Test func thePoolGaugesShowTheAddonsConnectionsAndCapacity() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url, "BERTH_DATABASE_POOL_SIZE": "3"])
        defer { host.close() }
        let id = database.id("pooled")
        #expect(try host.uploadAndInstall(try host.packages.fixture(id: id, version: "1.0.0", product: "FixtureSQLAddon"), id: id).status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/\(id)/sql", body: Array("SELECT 1".utf8)).status == 200)
        var text = ""
        try pollUntil("the pool's connection is in the gauges", timeout: 10) {
            text = try host.berth.admin.send("GET", "/metrics").text
            return HostMetricsAcrossWorkersTests.sample(#"berth_database_pool_connections{state="idle"}"#, in: text) ?? 0 >= 1
        }
        #expect(HostMetricsAcrossWorkersTests.sample("berth_database_pool_capacity", in: text) == 3)
        #expect(HostMetricsAcrossWorkersTests.sample(#"berth_database_pool_connections{state="in_use"}"#, in: text) == 0)
        #expect(HostMetricsAcrossWorkersTests.sample("berth_database_pool_waiters", in: text) == 0)
    }
}
