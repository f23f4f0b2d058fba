import BerthTestSupport
import Foundation
import Glibc
import Testing

/// Generation rolls: with two workers, changing the installed set starts new workers and retires the
/// old ones without failing a request, and evicts an uninstalled addon's code from every process.
struct SupervisorRollTests {
    @Test func twentyInstallUpgradeUninstallCyclesUnderLoadFailNoOtherRequestAndEvictTheLibrary() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        for version in ["1.0.0", "1.0.1"] {
            let archive = try host.packages.fixture(id: "roller", version: version)
            let uploaded = try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
            #expect(uploaded.status == 201, "\(uploaded.text)")
        }

        let load = RouteLoad(port: host.berth.port, paths: ["/health", "/api/v1/greet/hello", "/api/v1/greet/hello"])
        var slowestEviction = 0.0
        for cycle in 1 ... 20 {
            let installed = try host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "roller", "version": "1.0.0"])
            try #require(installed.status == 201, "cycle \(cycle): \(installed.text)")
            // The answer comes once the new generation serves: the next request sees the addon.
            #expect(try host.anonymous.send("GET", "/api/v1/roller/version").text == "1.0.0", "cycle \(cycle)")
            // The probe is not checked here: the serving workers map the library while it is installed.
            let mapping = host.processesMapping("/.berth/addons/roller/")
            #expect(mapping.count >= 2, "cycle \(cycle): \(mapping) of supervisor \(host.berth.pid) and workers \(host.workerPIDs())")
            #expect(!mapping.contains(host.berth.pid), "the supervisor never loads an addon")

            let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/roller/upgrade", ["version": "1.0.1"])
            try #require(upgraded.status == 200, "cycle \(cycle): \(upgraded.text)")
            #expect(try host.anonymous.send("GET", "/api/v1/roller/version").text == "1.0.1", "cycle \(cycle)")

            let removed = try host.admin.send("DELETE", "/api/v1/marketplace/uninstall/roller")
            try #require(removed.status == 200, "cycle \(cycle): \(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "cycle \(cycle)")
            #expect(try host.anonymous.send("GET", "/api/v1/roller/version").status == 404, "cycle \(cycle)")
            // The old generation exits once its last requests are done: then no process maps the library.
            let took = try pollUntil("no process maps roller's library (cycle \(cycle))", timeout: 15) {
                host.processesMapping("/.berth/addons/roller/").isEmpty
            }
            slowestEviction = max(slowestEviction, took)
        }
        try pollUntil("two workers serve", timeout: 10) { host.workerPIDs().count == 2 }
        let counts = load.stop()
        print("roll test: \(counts.ok) requests to other routes succeeded, \(counts.failed) failed; slowest eviction \(Int(slowestEviction * 1000)) ms")
        #expect(counts.failed == 0, "\(counts.failures)")
        #expect(counts.ok > 200)
        #expect(try host.anonymous.send("GET", "/health").status == 200)
    }

    @Test func sigtermDrainsEveryWorkerAndExitsZeroAndSighupRollsANewGeneration() throws {
        let folder = try TemporaryDirectory("berth-sup-signals")
        defer { folder.remove() }
        let berth = BerthProcess(home: folder.appending("home"), workers: 2)
        try berth.start()
        defer { berth.stop() }
        try pollUntil("two workers serve", timeout: 20) { SupervisedHost.children(of: berth.pid).count == 2 }
        let first = SupervisedHost.children(of: berth.pid)

        kill(berth.pid, SIGHUP)
        try pollUntil("a new generation replaced the first", timeout: 20) {
            let now = SupervisedHost.children(of: berth.pid)
            return now.count == 2 && now.isDisjoint(with: first)
        }
        #expect(try berth.anonymous.send("GET", "/health").status == 200)

        let workers = SupervisedHost.children(of: berth.pid)
        let process = berth.pid
        kill(process, SIGTERM)
        #expect(berth.waitForExit(timeout: 15))
        #expect(berth.terminationStatus == 0)
        for pid in workers { #expect(kill(pid, 0) != 0, "worker \(pid) outlived its supervisor") }
        #expect(berth.tail(40).contains("stopping: draining every worker"))
        #expect(!berth.tail(40).contains("worker died"))
    }
}
