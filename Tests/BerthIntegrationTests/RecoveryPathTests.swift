import BerthTestSupport
import Foundation
import Glibc
import Testing

/// The recovery paths the lifecycle relies on, reached for real: a crash while an install reuses
/// kept data or while a forced downgrade runs, a worker killed in the middle of a change, and
/// generation rolls superseded before they served.
struct RecoveryPathTests {
    static let migrations = PackageFactory.notesMigrations

    static let keptDataFaults: [(fault: String, committed: Bool)] = [
        ("install.namespace", false), ("install.migrate", false), ("install.start", false), ("install.commit", false), ("install.committed", true),
    ]

    @Test(arguments: keptDataFaults)
    func aCrashWhileAnInstallReusesKeptDataLeavesTheKeptDataAsItWasOrTheInstallDone(_ fault: String, _ committed: Bool) throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(Self.migrations.prefix(1)))).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.1.0", migrations: Array(Self.migrations.prefix(2)))).status == 201)
        #expect(try host.install("notes", version: "1.0.0").status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("kept".utf8)).status == 201)
        #expect(try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/notes?keep_data=true").status == 200)

        host.berth.stop()
        host.berth.environment["BERTH_FAULT_AT"] = fault
        try host.berth.start()
        let reply = try? host.install("notes", version: "1.1.0")
        #expect(host.berth.waitForExit(), "the fault at \(fault) did not fire; reply: \(reply?.text ?? "none")")
        host.berth.environment["BERTH_FAULT_AT"] = nil
        try host.berth.start()

        let state = try HomeState.read(host) { [] }
        if committed {
            #expect(state == .installed(version: "1.1.0", ledger: ["0001_items", "0002_tags"], items: "kept"), "\(state)")
        } else {
            // Absent, with the kept data as the uninstall left it: 1.0.0 takes it up again.
            #expect(state == .absent, "\(state)")
            #expect(FileManager.default.fileExists(atPath: host.home + "/.berth/data/notes.sqlite"))
            let again = try host.install("notes", version: "1.0.0")
            #expect(again.status == 201, "\(again.text)")
            #expect(again.json["reusedData"] as? Bool == true, "\(again.text)")
            #expect(try HomeState.read(host) { [] } == .installed(version: "1.0.0", ledger: ["0001_items"], items: "kept"))
        }
        #expect(try HomeState.leftovers(host) == [])
    }

    static let downgradeFaults: [(fault: String, committed: Bool)] = [
        ("upgrade.migrate", false), ("upgrade.load", false), ("upgrade.start", false), ("upgrade.swap", false), ("upgrade.commit", false), ("upgrade.committed", true),
    ]

    @Test(arguments: downgradeFaults)
    func aCrashDuringAForcedDowngradeEndsInTheVersionBeforeOrAfterWithItsLedger(_ fault: String, _ committed: Bool) throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(Self.migrations.prefix(1)))).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.1.0", migrations: Array(Self.migrations.prefix(2)))).status == 201)
        #expect(try host.install("notes", version: "1.1.0").status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("kept".utf8)).status == 201)

        host.berth.stop()
        host.berth.environment["BERTH_FAULT_AT"] = fault
        try host.berth.start()
        let reply = try? host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0", "force": true])
        #expect(host.berth.waitForExit(), "the fault at \(fault) did not fire; reply: \(reply?.text ?? "none")")
        host.berth.environment["BERTH_FAULT_AT"] = nil
        try host.berth.start()

        let state = try HomeState.read(host) { HomeState.sqliteTraces(host) }
        if committed {
            #expect(state == .installed(version: "1.0.0", ledger: ["0001_items"], items: "kept"), "\(state)")
        } else {
            #expect(state == .installed(version: "1.1.0", ledger: ["0001_items", "0002_tags"], items: "kept"), "\(state)")
        }
        #expect(try HomeState.leftovers(host) == [])
    }

    @Test(arguments: ["install.start", "install.mount", "uninstall.unserve", "uninstall.migrate_down", "uninstall.remove"])
    func aWorkerKilledInTheMiddleOfAChangeIsRecoveredByTheSupervisor(_ fault: String) throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_FAULT_AT": fault])
        defer { host.close() }
        let package = try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(Self.migrations.prefix(1)))
        #expect(try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: package)))).status == 201)
        let home = host.berth.home
        if fault.hasPrefix("uninstall") {
            #expect(try host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "notes"]).status == 201)
            #expect(try host.anonymous.send("POST", "/api/v1/notes/items", body: Array("gone".utf8)).status == 201)
            _ = try? host.admin.send("DELETE", "/api/v1/marketplace/uninstall/notes", timeout: 20)
        } else {
            _ = try? host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "notes"])
        }
        // The worker killed itself; the supervisor replays its journal (an uninstall goes forward,
        // an install is undone) and rolls a generation on the result.
        try pollUntil("the supervisor recovered the change", timeout: 30) {
            !FileManager.default.fileExists(atPath: home + "/.berth/journal.json")
                && !FileManager.default.fileExists(atPath: home + "/.berth/addons/notes")
                && !FileManager.default.fileExists(atPath: home + "/.berth/data/notes.sqlite")
        }
        // Workers of the generation before the recovery answer from the registry they loaded until
        // the generation rolled after it serves.
        try pollUntil("the registry served has no notes", timeout: 30) { try host.admin.send("GET", "/api/v1/addons/notes").status == 404 }
        try pollUntil("no worker serves notes", timeout: 20) { try host.anonymous.send("GET", "/api/v1/notes/version").status == 404 }
        try pollUntil("two workers serve", timeout: 20) { host.workerPIDs().count == 2 }
        if fault.hasPrefix("uninstall") {
            // Nothing is left to get in the way of a fresh install.
            let again = try host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "notes"])
            #expect(again.status == 201, "\(again.text)")
            // A worker of a generation rolled just before may answer first: wait for the new one.
            var items: HTTPTestClient.Reply?
            _ = try? pollUntil("the reinstalled addon serves", timeout: 20) {
                items = try host.anonymous.send("GET", "/api/v1/notes/items", headers: ["Connection": "close"])
                return items?.status == 200
            }
            #expect(items?.status == 200 && items?.text == "", "\(items?.status ?? 0) \(items?.text ?? "")")
        }
    }

    /// The generation a worker belongs to, from its command line.
    static func generation(of pid: Int32) -> Int? {
        let words = SupervisedHost.procFile("/proc/\(pid)/cmdline").split(separator: "\0").map(String.init)
        guard let index = words.firstIndex(of: "--generation"), index + 1 < words.count else { return nil }
        return Int(words[index + 1])
    }

    @Test func rollsSupersededBeforeTheyServedEndInTheNewestGenerationWithoutFailingARequest() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        let newest = (host.workerPIDs().compactMap(Self.generation).max() ?? 0) + 3
        let load = RouteLoad(port: host.berth.port, paths: ["/health", "/api/v1/greet/hello"])
        try pollUntil("the load runs", timeout: 10) { load.counts.withLock { $0.ok } > 20 }
        // Three rolls in a row, each asked for as soon as the previous one's workers exist (signals
        // sent at once would merge): the first two are superseded while their workers start.
        for step in 1 ... 3 {
            kill(host.berth.pid, SIGHUP)
            try pollUntil("workers of generation \(newest - 3 + step) started", timeout: 10) {
                host.workerPIDs().contains { Self.generation(of: $0) == newest - 3 + step }
            }
        }
        try pollUntil("only workers of generation \(newest) serve", timeout: 30) {
            let workers = host.workerPIDs()
            return workers.count == 2 && workers.allSatisfy { Self.generation(of: $0) == newest }
        }
        let counts = load.stop()
        #expect(counts.failed == 0, "\(counts.failures)")
        #expect(try host.anonymous.send("GET", "/api/v1/greet/hello").status == 200)
    }
}
