import BerthTestSupport
import Foundation
import Testing

/// Failures of the home itself are reported as what they are, with the way out: a damaged or
/// deleted registry, a read-only home, a full disk, and an id that was never an addon.
struct ClearErrorsTests {
    /// Whether this machine lets the test mount file systems (root with CAP_SYS_ADMIN).
    static let canMount: Bool = {
        let probe = NSTemporaryDirectory() + "berth-mount-probe-\(UUID().uuidString.prefix(6))"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "none", probe]))?.status == 0 else { return false }
        _ = try? Command.run("/bin/umount", [probe])
        return true
    }()

    /// Starting must fail; returns what berth said.
    static func failedStart(_ berth: BerthProcess) -> String {
        do {
            try berth.start()
            berth.stop()
            return "berth started"
        } catch {
            return "\(error)"
        }
    }

    @Test func eventsOfAnIdThatWasNeverAnAddonAre404() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let unknown = try host.berth.admin.send("GET", "/api/v1/addons/never_installed/events")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "addon_not_found")
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        #expect(try host.uninstall("greeter").status == 200)
        // An uninstalled addon keeps its history.
        let history = try host.berth.admin.send("GET", "/api/v1/addons/greeter/events")
        #expect(history.status == 200)
        #expect((history.json["events"] as? [Any])?.isEmpty == false)
    }

    @Test func aCorruptRegistryNamesTheLastGoodCopyAndRestoringItWorks() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        host.berth.stop()
        let registry = host.home + "/addon_registry.json"
        try Data("{\"format\":1,\"addons\":{\"greeter\":".utf8).write(to: URL(fileURLWithPath: registry))
        let said = Self.failedStart(host.berth)
        #expect(said.contains("registry_unreadable") || said.contains("cannot be read"), "\(said)")
        #expect(said.contains("registry.last-good.json"), "\(said)")
        #expect(try String(contentsOfFile: registry, encoding: .utf8).hasPrefix("{\"format\":1,\"addons\":{\"greeter\":"), "the damaged file is left as it was")

        try FileManager.default.removeItem(atPath: registry)
        try FileManager.default.copyItem(atPath: host.home + "/.berth/registry.last-good.json", toPath: registry)
        try host.berth.start()
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").status == 200)
    }

    @Test func aDeletedRegistryWithAddonsDataLeftIsReportedWithTheRecovery() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 1)
        host.berth.stop()
        let registry = host.home + "/addon_registry.json"
        try FileManager.default.removeItem(atPath: registry)
        let said = Self.failedStart(host.berth)
        #expect(said.contains("registry_missing") || said.contains("is missing"), "\(said)")
        #expect(said.contains(".berth/addons/greeter"), "\(said)")
        #expect(said.contains("registry.last-good.json"), "\(said)")

        try FileManager.default.copyItem(atPath: host.home + "/.berth/registry.last-good.json", toPath: registry)
        try host.berth.start()
        // The data survived: the count goes on.
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 2)
    }

    @Test(.enabled(if: canMount, "needs permission to mount (root)"))
    func aReadOnlyHomeIsReportedAsReadOnly() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        host.berth.stop()
        #expect(try Command.run("/bin/mount", ["--bind", host.home, host.home]).status == 0)
        defer { _ = try? Command.run("/bin/umount", [host.home]) }
        #expect(try Command.run("/bin/mount", ["-o", "remount,ro,bind", host.home]).status == 0)
        let said = Self.failedStart(host.berth)
        #expect(said.contains("home_not_writable") || said.contains("read-only file system"), "\(said)")
        #expect(!said.contains("holds the lock"), "\(said)")
    }

    @Test(.enabled(if: canMount, "needs permission to mount (root)"))
    func aFullDiskDuringAnInstallIs507NotTheMigrationsFault() throws {
        let folder = try TemporaryDirectory("berth-full")
        defer { folder.remove() }
        let home = folder.appending("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        #expect(try Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=48m", "none", home]).status == 0)
        defer { _ = try? Command.run("/bin/umount", ["-l", home]) }
        let packages = try PackageFactory(folder: folder.appending("keys"))
        let berth = BerthProcess(home: home, environment: ["BERTH_TRUSTED_KEYS": packages.publicKeyFile, "BERTH_MIN_FREE_MB": "0"])
        try berth.start()
        defer { berth.stop() }
        let filler = "CREATE TABLE blobs (data BLOB); INSERT INTO blobs WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT randomblob(1000) FROM n;"
        let archive = try packages.fixture(id: "disk_filler", version: "1.0.0", migrations: [("0001_fill", filler, "DROP TABLE blobs;")])
        let uploaded = try berth.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
        try #require(uploaded.status == 201, "\(uploaded.text)")
        let installed = try berth.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "disk_filler"])
        #expect(installed.status == 507, "\(installed.text)")
        #expect(installed.errorCode == "insufficient_storage")
        #expect(try berth.admin.send("GET", "/api/v1/addons/disk_filler").status == 404)
    }
}
