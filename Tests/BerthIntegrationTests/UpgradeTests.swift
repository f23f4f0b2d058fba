import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// Upgrades run only the new migrations, keep data, swap routes without failing a request, and
/// leave the old version serving when they fail; downgrades need force.
struct UpgradeTests {
    static let migrations = PackageFactory.notesMigrations

    func hostWithNotes(_ versions: [(String, Int)], installed: String) throws -> IntegrationHost {
        let host = try IntegrationHost()
        for (version, count) in versions {
            let uploaded = try host.upload(try host.packages.fixture(id: "notes", version: version, migrations: Array(Self.migrations.prefix(count))))
            #expect(uploaded.status == 201, "\(uploaded.text)")
        }
        #expect(try host.install("notes", version: installed).status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("a".utf8)).status == 201)
        return host
    }

    func installFolders(_ host: IntegrationHost) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: host.home + "/.berth/addons/notes")) ?? []).sorted()
    }

    @Test func anUpgradeRunsOnlyTheNewMigrationsKeepsTheDataAndServesTheNewVersion() throws {
        let host = try hostWithNotes([("1.0.0", 1), ("1.1.0", 2)], installed: "1.0.0")
        defer { host.close() }
        let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        #expect(upgraded.json["migrations"] as? [String] == ["+0002_tags"])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/version").text == "1.1.0")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "a")
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/notes").json["migrations"] as? [String] == ["0001_items", "0002_tags"])
        #expect(installFolders(host).count == 1)
        #expect(installFolders(host).first?.hasPrefix("1.1.0-") == true)
    }

    @Test func anUpgradeUnderLoadFailsNoRequest() throws {
        let host = try hostWithNotes([("1.0.0", 1), ("1.1.0", 2), ("1.2.0", 3)], installed: "1.0.0")
        defer { host.close() }
        let failures = Mutex<[String]>([])
        let served = Mutex<Set<String>>([])
        let running = Atomic<Bool>(true)
        let finished = Atomic<Int>(0)
        let port = host.berth.port
        let threads = (0 ..< 3).map { _ in
            Thread {
                let client = HTTPTestClient(port: port)
                while running.load(ordering: .relaxed) {
                    let reply = try? client.send("GET", "/api/v1/notes/version", timeout: 10)
                    if reply?.status == 200 {
                        served.withLock { _ = $0.insert(reply!.text) }
                    } else {
                        failures.withLock { $0.append(reply.map { "\($0.status) \($0.text)" } ?? "no answer") }
                    }
                }
                finished.wrappingAdd(1, ordering: .relaxed)
            }
        }
        threads.forEach { $0.start() }
        try pollUntil("the load is served by 1.0.0", timeout: 10) { served.withLock { $0.contains("1.0.0") } }
        for version in ["1.1.0", "1.2.0"] {
            let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": version])
            #expect(upgraded.status == 200, "\(upgraded.text)")
            try pollUntil("the load is served by \(version)", timeout: 10) { served.withLock { $0.contains(version) } }
        }
        running.store(false, ordering: .relaxed)
        // Every thread ends its last request before the counts are read.
        try pollUntil("the load threads ended", timeout: 15) { finished.load(ordering: .relaxed) == threads.count }
        #expect(failures.withLock { $0 } == [])
        #expect(served.withLock { $0 } == ["1.0.0", "1.1.0", "1.2.0"])
    }

    @Test func aFailedUpgradeLeavesTheOldVersionServingWithItsData() throws {
        let host = try hostWithNotes([("1.0.0", 1)], installed: "1.0.0")
        defer { host.close() }
        let broken = Array(Self.migrations.prefix(1)) + [("0002_broken", "CREATE TABLE half (x); INSERT INTO missing VALUES (1);", "DROP TABLE half;")]
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.1.0", migrations: broken)).status == 201)
        let before = host.snapshot()
        let refused = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.1.0"])
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.errorCode == "migration_failed")
        #expect(refused.errorMessage?.contains("0002_broken") == true)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/version").text == "1.0.0")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "a")
        #expect(host.snapshot().difference(from: before).filter { !$0.hasSuffix("audit.log") && !$0.contains("notes.sqlite") } == [])
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/notes").json["migrations"] as? [String] == ["0001_items"])
    }

    @Test func aFailedUpgradeWhoseLibraryCrashesLeavesTheOldVersionServing() throws {
        let host = try hostWithNotes([("1.0.0", 1)], installed: "1.0.0")
        defer { host.close() }
        let crashing = try host.packages.make(id: "notes", version: "1.1.0", product: "FixtureCrashingAddon", mountPrefix: "/api/v1/notes")
        #expect(try host.upload(crashing).status == 201)
        let refused = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.1.0"])
        #expect(refused.errorCode == "probe_crashed", "\(refused.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/version").text == "1.0.0")
        #expect(installFolders(host).count == 1)
    }

    @Test func aDowngradeIsRefusedUnlessForcedAndThenRunsTheDownMigrationsOfTheVersionLeft() throws {
        let host = try hostWithNotes([("1.0.0", 1), ("1.1.0", 2)], installed: "1.1.0")
        defer { host.close() }
        let refused = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0"])
        #expect(refused.status == 409)
        #expect(refused.errorCode == "downgrade_refused")
        let forced = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0", "force": true])
        #expect(forced.status == 200, "\(forced.text)")
        #expect(forced.json["migrations"] as? [String] == ["-0002_tags"])
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/notes").json["migrations"] as? [String] == ["0001_items"])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "a")
    }
}
