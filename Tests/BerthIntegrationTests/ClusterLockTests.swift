import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// The cluster's coordination is out of any addon's reach: a hostile addon (the `FixtureSQLAddon`
/// runs its request body as SQL) that holds every advisory lock the nodes ever used, for as long as
/// its statement runs, holds up no install, no uninstall (its own included) and no node's start.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct ClusterLockTests {
    /// A request sent on a thread of its own; `reply` is set when it answers.
    final class Pending: Sendable {
        let reply = Mutex<HTTPTestClient.Reply?>(nil)
        let finished = Mutex(false)

        init(_ send: @escaping @Sendable () throws -> HTTPTestClient.Reply) {
            Thread.detachNewThread { [self] in
                let answer = try? send()
                reply.withLock { $0 = answer }
                finished.withLock { $0 = true }
            }
        }

        var isFinished: Bool { finished.withLock { $0 } }
    }

    func secondsUntil(_ limit: Double = 20, _ check: () throws -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if (try? check()) == true { return Date().timeIntervalSince(start) }
            usleep(50_000)
        }
        return nil
    }

    @Test func anAddonHoldingEveryAdvisoryLockTheNodesUsedHoldsUpNoChangeAndNoStart() throws {
        let cluster = try ClusterTests.Cluster(nodes: 3)
        defer { cluster.close() }
        let database = cluster.database
        let (hostile, notes) = (database.id("hostile"), database.id("notes"))
        let packages = cluster.first.packages
        #expect(try cluster.first.uploadAndInstall(try packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile).status == 201)
        #expect(try cluster.first.upload(try packages.fixture(id: notes, version: "1.0.0", migrations: Array(ClusterTests.migrations.prefix(2)), dialects: ["postgres"])).status == 201)
        #expect(secondsUntil { try cluster.node(2).anonymous.send("GET", "/api/v1/\(hostile)/version").status == 200 } != nil)

        // The tables the nodes lock are out of the addon's reach.
        for sql in ["SELECT id FROM berth_cluster.locks FOR UPDATE", "DO $$ BEGIN LOCK TABLE berth_cluster.locks; END $$", "DO $$ BEGIN LOCK TABLE public.berth_storage_secret; END $$"] {
            let reply = try cluster.first.berth.anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array(sql.utf8))
            #expect(reply.status == 422 && reply.json["sqlState"] as? String == "42501", "\(sql): \(reply.text)")
        }

        // Its own key, taken by a statement that ends (a session lock outlives it).
        let own = try cluster.node(1).anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array("SELECT pg_advisory_lock(hashtext('berth:migrate:\(hostile)'))".utf8))
        #expect(own.status == 200, "\(own.text)")

        // Every key the nodes ever used, held for 25 s by one statement of the addon.
        let keys = ["berth:migrate:\(notes)", "berth:migrate:\(hostile)", "berth:cluster:schema"]
        let sql = "SELECT " + keys.map { "pg_advisory_lock(hashtext('\($0)'))" }.joined(separator: ", ") + ", pg_sleep(25)"
        let port = cluster.node(2).port
        let holding = Pending { try HTTPTestClient(port: port).send("POST", "/api/v1/\(hostile)/sql", body: Array(sql.utf8), timeout: 60) }
        let held = secondsUntil { try database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") == ["3"] }
        #expect(held != nil, "the addon took the locks: \(holding.reply.withLock { $0?.text ?? "" })")

        // An install through node 3 goes through, and reaches node 1, while the addon holds them.
        let installed = try cluster.node(3).admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": notes])
        #expect(installed.status == 201, "\(installed.text)")
        #expect(secondsUntil { try cluster.node(1).anonymous.send("GET", "/api/v1/\(notes)/version").text == "1.0.0" } != nil)
        // A node restarts and serves.
        cluster.node(3).stop()
        try cluster.node(3).start()
        #expect(try cluster.node(3).anonymous.send("GET", "/api/v1/\(notes)/version").text == "1.0.0", "\(cluster.node(3).tail())")
        #expect(!holding.isFinished, "all of the above happened while the addon held the locks")
        // Node 2 serves that request until it ends; an uninstall meanwhile would wait for it.
        #expect(secondsUntil(40) { holding.isFinished } != nil)

        // The addon itself can be uninstalled through any node, and leaves nothing.
        let uninstalled = try cluster.node(1).admin.send("DELETE", "/api/v1/marketplace/uninstall/\(hostile)")
        #expect(uninstalled.status == 200, "\(uninstalled.text)")
        #expect(uninstalled.json["residue"] as? [String] == [], "\(uninstalled.text)")
        #expect(try database.traces(of: hostile) == [])
        for number in 1 ... 3 {
            #expect(secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(hostile)/version").status == 404 } != nil)
        }
        #expect(try database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == ["0"], "the addon's sessions ended with it")
    }

    @Test func anUninstallWhileANodeStillServesTheAddonIsRefusedAndTheClusterKeepsIt() throws {
        let cluster = try ClusterTests.Cluster(nodes: 3)
        defer { cluster.close() }
        let database = cluster.database
        let hostile = database.id("hostile")
        #expect(try cluster.first.uploadAndInstall(try cluster.first.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile).status == 201)
        for number in 2 ... 3 {
            #expect(secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(hostile)/version").status == 200 } != nil)
        }
        #expect(try cluster.node(1).anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array("CREATE TABLE kept (x int)".utf8)).status == 200)

        // Node 2 is busy with a request of the addon that outlasts the uninstall's wait for it.
        let port = cluster.node(2).port
        let busy = Pending { try HTTPTestClient(port: port).send("POST", "/api/v1/\(hostile)/sql", body: Array("SELECT pg_sleep(12)".utf8), timeout: 60) }
        #expect(secondsUntil { try database.query("SELECT count(*) FROM pg_stat_activity WHERE usename = 'berth_login_\(hostile)' AND query LIKE '%pg_sleep%' AND state = 'active'") == ["1"] } != nil)
        let refused = try cluster.node(1).admin.send("DELETE", "/api/v1/marketplace/uninstall/\(hostile)")
        #expect(refused.status == 503 && refused.errorCode == "cluster_busy", "\(refused.text)")
        #expect((refused.errorMessage ?? "").contains("node2"), "\(refused.text)")
        #expect(try database.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'addon_\(hostile)' AND tablename = 'kept'") == ["1"], "nothing was removed")
        #expect(try database.query("SELECT count(*) FROM berth_cluster.desired WHERE id = '\(hostile)'") == ["1"], "the cluster still has it")
        for number in 1 ... 3 {
            #expect(secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(hostile)/version").status == 200 } != nil, "node \(number) serves it again")
        }

        // Once the request ended, the uninstall goes through.
        #expect(secondsUntil(40) { busy.isFinished } != nil)
        let uninstalled = try cluster.node(1).admin.send("DELETE", "/api/v1/marketplace/uninstall/\(hostile)")
        #expect(uninstalled.status == 200, "\(uninstalled.text)")
        #expect(try database.traces(of: hostile) == [])
    }
}
