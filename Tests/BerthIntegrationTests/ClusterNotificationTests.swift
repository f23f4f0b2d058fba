import BerthTestSupport
import Foundation
import Testing

/// Any session may `NOTIFY berth_desired`, an addon's too: the nodes treat a notification as a
/// hint, reconcile only when the desired set's generation moved, and write their report only when
/// it changed.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct ClusterNotificationTests {
    func secondsUntil(_ limit: Double = 20, _ check: () throws -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if (try? check()) == true { return Date().timeIntervalSince(start) }
            usleep(50_000)
        }
        return nil
    }

    @Test func notificationsThatChangeNothingMakeNoNodeRewriteItsReport() throws {
        let cluster = try ClusterTests.Cluster(nodes: 3)
        defer { cluster.close() }
        let database = cluster.database
        let hostile = database.id("hostile")
        _ = try cluster.first.uploadAndInstall(try cluster.first.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)
        let reports = "SELECT node_id || ' ' || xmin::text FROM berth_cluster.node_addons ORDER BY node_id"
        #expect(secondsUntil { try database.query("SELECT count(*) FROM berth_cluster.node_addons WHERE id = '\(hostile)' AND state = 'active'") == ["3"] } != nil)
        // Wait for a heartbeat of every node after the reports settled, then take the reports' row versions.
        let settledAt = try database.query("SELECT now()::text").first ?? ""
        #expect(secondsUntil { try database.query("SELECT count(*) FROM berth_cluster.nodes WHERE heartbeat_at > '\(settledAt)'") == ["3"] } != nil)
        let before = try database.query(reports)

        let sent = try cluster.first.berth.anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array("SELECT count(pg_notify('berth_desired', 'x' || n)) FROM generate_series(1, 300) n".utf8))
        #expect(sent.status == 200, "\(sent.text)")
        // Two more heartbeats of every node (each also runs a full reconcile pass).
        for _ in 0 ..< 2 {
            let now = try database.query("SELECT now()::text").first ?? ""
            #expect(secondsUntil { try database.query("SELECT count(*) FROM berth_cluster.nodes WHERE heartbeat_at > '\(now)'") == ["3"] } != nil)
        }
        #expect(try database.query(reports) == before, "no node rewrote its report")

        // A real change still reaches every node.
        let uninstalled = try cluster.node(2).admin.send("DELETE", "/api/v1/marketplace/uninstall/\(hostile)")
        #expect(uninstalled.status == 200, "\(uninstalled.text)")
        #expect(secondsUntil { try database.query("SELECT count(*) FROM berth_cluster.node_addons") == ["0"] } != nil)
    }
}
