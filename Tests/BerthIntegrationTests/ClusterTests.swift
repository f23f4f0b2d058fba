import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// Several `berth` processes on loopback sharing one PostgreSQL database (`BERTH_CLUSTER=1`): a
/// change through any node reaches every node within 2 s, exactly one node migrates, a node that
/// was down catches up at start, and `GET /api/v1/cluster` shows what each node runs.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct ClusterTests {
    /// Nodes with homes of their own in one test folder, on one fresh database, trusting one key.
    final class Cluster: @unchecked Sendable {
        // `@unchecked Sendable`: used by one test, in sequence.
        let database: PostgresTestDatabase
        /// Node 1, which also makes the packages.
        let first: IntegrationHost
        private(set) var nodes: [BerthProcess]

        init(nodes count: Int) throws {
            database = try PostgresTestDatabase()
            do {
                first = try IntegrationHost(environment: Self.environment(node: "node1", database: database))
            } catch {
                database.drop()
                throw error
            }
            nodes = [first.berth]
            for index in 1 ..< count {
                try start(node: "node\(index + 1)")
            }
        }

        static func environment(node: String, database: PostgresTestDatabase) -> [String: String] {
            ["BERTH_DATABASE_URL": database.url, "BERTH_CLUSTER": "1", "BERTH_NODE_ID": node, "BERTH_CLUSTER_RECONCILE_SECONDS": "2", "BERTH_CLUSTER_LOCK_TIMEOUT": "10"]
        }

        /// Starts another node; `trusted` false leaves the packages' key out of its trust store.
        @discardableResult
        func start(node name: String, trusted: Bool = true) throws -> BerthProcess {
            var environment = Self.environment(node: name, database: database)
            if trusted { environment["BERTH_TRUSTED_KEYS"] = first.packages.publicKeyFile }
            let node = BerthProcess(home: first.folder.appending(name), environment: environment)
            nodes.append(node)
            try node.start()
            return node
        }

        func node(_ number: Int) -> BerthProcess { nodes[number - 1] }

        func close() {
            for node in nodes.dropFirst() { node.stop() }
            first.close()
            database.drop()
        }
    }

    /// Polls `check` every 20 ms until it holds; returns the seconds it took, or nil after `limit`.
    func secondsUntil(_ limit: Double = 6, _ check: () throws -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < limit {
            if (try? check()) == true { return Date().timeIntervalSince(start) }
            usleep(20_000)
        }
        return nil
    }

    /// 0001 creates `items`; 0002 records its own run in `runs`; 1.1.0's 0003 records another. If
    /// more than one node ran a migration, `runs` would say so (or the second run would fail).
    static let migrations: [(id: String, up: String, down: String)] = [
        ("0001_items", "CREATE TABLE items (name TEXT PRIMARY KEY);", "DROP TABLE items;"),
        ("0002_runs", "CREATE TABLE runs (n int); INSERT INTO runs VALUES (1);", "DROP TABLE runs;"),
        ("0003_more_runs", "INSERT INTO runs VALUES (2);", "DELETE FROM runs WHERE n = 2;"),
    ]

    @Test func installUpgradeAndUninstallThroughAnyNodeReachEveryNodeWithinTwoSeconds() throws {
        let cluster = try Cluster(nodes: 3)
        defer { cluster.close() }
        let database = cluster.database
        let id = database.id("notes")
        let packages = cluster.first.packages
        #expect(try cluster.first.upload(try packages.fixture(id: id, version: "1.0.0", migrations: Array(Self.migrations.prefix(2)), dialects: ["postgres"])).status == 201)
        #expect(try cluster.node(2).admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: try packages.fixture(id: id, version: "1.1.0", migrations: Self.migrations, dialects: ["postgres"]))))).status == 201)

        // Install through node 1: nodes 2 and 3 serve it within 2 s, on the same data.
        let installed = try cluster.first.install(id, version: "1.0.0")
        #expect(installed.status == 201, "\(installed.text)")
        for number in [2, 3] {
            let seconds = secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(id)/version").text == "1.0.0" }
            #expect(seconds.map { $0 < 2 } == true, "node \(number) served the install after \(seconds.map { "\($0) s" } ?? "never"): \(cluster.node(number).tail())")
        }
        #expect(try cluster.node(2).anonymous.send("POST", "/api/v1/\(id)/items", body: Array("shared".utf8)).status == 201)
        #expect(try cluster.node(3).anonymous.send("GET", "/api/v1/\(id)/items").text == "shared")
        #expect(try database.query("SELECT count(*) FROM addon_\(id).runs") == ["1"], "one node ran the migrations")

        // A node started after the install serves the addon from its first request.
        let late = try cluster.start(node: "node4")
        #expect(try late.anonymous.send("GET", "/api/v1/\(id)/items").text == "shared")

        // Node 3 is down during an upgrade through node 2; it catches up when it starts again.
        cluster.node(3).stop()
        let upgraded = try cluster.node(2).admin.sendJSON("POST", "/api/v1/addons/\(id)/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        #expect(upgraded.json["migrations"] as? [String] == ["+0003_more_runs"])
        for number in [1, 4] {
            let seconds = secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(id)/version").text == "1.1.0" }
            #expect(seconds.map { $0 < 2 } == true, "node \(number) served the upgrade after \(seconds.map { "\($0) s" } ?? "never"): \(cluster.node(number).tail())")
        }
        try cluster.node(3).start()
        #expect(try cluster.node(3).anonymous.send("GET", "/api/v1/\(id)/version").text == "1.1.0", "\(cluster.node(3).tail())")
        #expect(try cluster.node(3).anonymous.send("GET", "/api/v1/\(id)/items").text == "shared")
        #expect(try database.query("SELECT n FROM addon_\(id).runs ORDER BY n") == ["1", "2"], "one node ran the new migration, once")
        #expect(try database.ledger(of: id) == ["0001_items", "0002_runs", "0003_more_runs"])

        // Every node reports the addon on the cluster endpoint.
        var report: [String: Any] = [:]
        let reported = secondsUntil {
            report = try cluster.node(3).admin.send("GET", "/api/v1/cluster").json
            let nodes = report["nodes"] as? [[String: Any]] ?? []
            return nodes.count == 4 && nodes.allSatisfy { node in
                node["alive"] as? Bool == true && (node["addons"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == id && $0["version"] as? String == "1.1.0" && $0["state"] as? String == "active" }
            }
        }
        #expect(reported != nil, "\(report)")
        #expect((report["desired"] as? [[String: Any]])?.first?["version"] as? String == "1.1.0")

        // Uninstall through node 3: 404 everywhere within 2 s, and no trace in the catalogs.
        let uninstalled = try cluster.node(3).admin.send("DELETE", "/api/v1/marketplace/uninstall/\(id)")
        #expect(uninstalled.status == 200, "\(uninstalled.text)")
        #expect(uninstalled.json["residue"] as? [String] == [], "\(uninstalled.text)")
        for number in 1 ... 4 {
            let seconds = secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(id)/version").status == 404 }
            #expect(seconds.map { $0 < 2 } == true, "node \(number) stopped serving after \(seconds.map { "\($0) s" } ?? "never")")
            #expect(try cluster.node(number).admin.send("GET", "/api/v1/addons/\(id)").status == 404)
            #expect(!FileManager.default.fileExists(atPath: cluster.node(number).home + "/.berth/addons/\(id)"))
        }
        #expect(try database.traces(of: id) == [])
        #expect(try database.query("SELECT count(*) FROM berth_cluster.desired") == ["0"])
        #expect(try database.query("SELECT count(*) FROM berth_cluster.intents") == ["0"])
        let forgotten = secondsUntil { try database.query("SELECT count(*) FROM berth_cluster.node_addons WHERE id = '\(id)'") == ["0"] }
        #expect(forgotten != nil, "every node stops reporting the addon")
    }

    @Test func aNodeThatCannotInstallAnAddonReportsWhyAndAddonsCannotReadTheClustersTables() throws {
        let cluster = try Cluster(nodes: 1)
        defer { cluster.close() }
        let untrusting = try cluster.start(node: "untrusting", trusted: false)
        let database = cluster.database
        let hostile = database.id("hostile")
        _ = try cluster.first.uploadAndInstall(try cluster.first.packages.fixture(id: hostile, version: "1.0.0", product: "FixtureSQLAddon"), id: hostile)

        var node: [String: Any] = [:]
        let reported = secondsUntil {
            let nodes = try cluster.first.berth.admin.send("GET", "/api/v1/cluster").json["nodes"] as? [[String: Any]] ?? []
            node = nodes.first { $0["id"] as? String == "untrusting" } ?? [:]
            return (node["addons"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == hostile && $0["state"] as? String == "install_failed" }
        }
        #expect(reported != nil, "\(node)")
        let failure = (node["addons"] as? [[String: Any]])?.first { $0["id"] as? String == hostile }
        #expect((failure?["error"] as? String)?.isEmpty == false, "\(failure ?? [:])")
        #expect(try untrusting.anonymous.send("GET", "/api/v1/\(hostile)/version").status == 404)
        #expect(try cluster.first.berth.anonymous.send("GET", "/api/v1/\(hostile)/version").text == "1.0.0", "the nodes that can still serve it")

        for sql in ["SELECT * FROM berth_cluster.desired", "SELECT archive FROM berth_cluster.packages", "DELETE FROM berth_cluster.nodes", "INSERT INTO berth_cluster.desired (id) VALUES ('planted')"] {
            let reply = try cluster.first.berth.anonymous.send("POST", "/api/v1/\(hostile)/sql", body: Array(sql.utf8))
            #expect(reply.status == 422 && reply.json["sqlState"] as? String == "42501", "\(sql): \(reply.text)")
        }
        #expect(try database.query("SELECT count(*) FROM berth_cluster.nodes") == ["2"])
    }

    @Test func aNodeKilledHalfWayThroughAChangeLeavesTheClusterAsIfItHadNotStarted() throws {
        let cluster = try Cluster(nodes: 2)
        defer { cluster.close() }
        let database = cluster.database
        let id = database.id("notes")
        let first = cluster.node(1)
        #expect(try cluster.first.upload(try cluster.first.packages.fixture(id: id, version: "1.0.0", migrations: Array(Self.migrations.prefix(2)), dialects: ["postgres"])).status == 201)

        // Killed after installing and migrating locally, before recording the install for the cluster.
        first.stop()
        first.environment["BERTH_FAULT_AT"] = "cluster.publish"
        try first.start()
        _ = try? cluster.first.install(id)
        #expect(first.waitForExit(), "the fault did not fire")
        first.environment["BERTH_FAULT_AT"] = nil
        try first.start()
        let cleaned = secondsUntil { try database.traces(of: id).isEmpty && database.query("SELECT count(*) FROM berth_cluster.intents") == ["0"] }
        #expect(cleaned != nil, "\((try? database.traces(of: id)) ?? [])")
        for number in 1 ... 2 {
            #expect(try cluster.node(number).anonymous.send("GET", "/api/v1/\(id)/version").status == 404)
        }

        // The install goes through; then the uninstalling node is killed once every node was told,
        // before it removed the data: the other node removes it.
        #expect(try cluster.first.install(id).status == 201)
        #expect(secondsUntil { try cluster.node(2).anonymous.send("GET", "/api/v1/\(id)/version").status == 200 } != nil)
        first.stop()
        first.environment["BERTH_FAULT_AT"] = "cluster.withdrawn"
        try first.start()
        _ = try? cluster.first.uninstall(id)
        #expect(first.waitForExit(), "the fault did not fire")
        first.environment["BERTH_FAULT_AT"] = nil
        let removed = secondsUntil(10) { try database.traces(of: id).isEmpty }
        #expect(removed != nil, "the surviving node removes the data: \(cluster.node(2).tail())")
        #expect(try cluster.node(2).anonymous.send("GET", "/api/v1/\(id)/version").status == 404)
        try first.start()
        #expect(try first.anonymous.send("GET", "/api/v1/\(id)/version").status == 404)
        #expect(try first.admin.send("GET", "/api/v1/addons/\(id)").status == 404)
        #expect(try database.query("SELECT count(*) FROM berth_cluster.intents") == ["0"])
        #expect(try database.query("SELECT count(*) FROM berth_cluster.desired") == ["0"])
    }

    @Test func clusterModeIsRefusedWithoutPostgresOrWithWorkersAndTheEndpointSaysSoOnASingleHost() throws {
        let folder = try TemporaryDirectory("berth-it")
        defer { folder.remove() }
        let refused = BerthProcess(home: folder.appending("sqlite"), environment: ["BERTH_CLUSTER": "1"])
        #expect(throws: (any Error).self) { try refused.start() }
        #expect(refused.tail().contains("cluster_needs_postgres"), "\(refused.tail())")

        let workers = BerthProcess(home: folder.appending("workers"), environment: ["BERTH_CLUSTER": "1", "BERTH_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"], workers: 2)
        #expect(throws: (any Error).self) { try workers.start() }
        #expect(workers.tail().contains("cluster_needs_one_process"), "\(workers.tail())")

        let single = BerthProcess(home: folder.appending("single"))
        try single.start()
        defer { single.stop() }
        let reply = try single.admin.send("GET", "/api/v1/cluster")
        #expect(reply.status == 404)
        #expect(reply.errorCode == "cluster_disabled")
    }

    @Test func concurrentInstallsOfOneAddonThroughTwoNodesMigrateItOnce() throws {
        let cluster = try Cluster(nodes: 2)
        defer { cluster.close() }
        let database = cluster.database
        let id = database.id("notes")
        #expect(try cluster.first.upload(try cluster.first.packages.fixture(id: id, version: "1.0.0", migrations: Array(Self.migrations.prefix(2)), dialects: ["postgres"])).status == 201)

        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let status = (try? cluster.node(index + 1).admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": id]).status) ?? 0
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0.sorted() } == [201, 409])
        #expect(try database.query("SELECT count(*) FROM addon_\(id).runs") == ["1"])
        for number in 1 ... 2 {
            #expect(secondsUntil { try cluster.node(number).anonymous.send("GET", "/api/v1/\(id)/version").text == "1.0.0" } != nil)
        }
    }
}
