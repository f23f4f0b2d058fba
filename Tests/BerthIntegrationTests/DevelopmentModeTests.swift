import BerthTestSupport
import Foundation
import Testing

/// A changed package under an existing version: refused by a production host, reinstalled in
/// place (data kept, new migrations run) by a host started with `BERTH_DEV_MODE=1`.
struct DevelopmentModeTests {
    func twoBuildsOfOneVersion(_ packages: PackageFactory) throws -> (first: String, second: String) {
        let first = try packages.fixture(id: "notes", version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1)))
        let second = try packages.fixture(id: "notes", version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(2)))
        return (first, second)
    }

    @Test func aProductionHostRefusesAChangedPackageUnderAnExistingVersion() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let (first, second) = try twoBuildsOfOneVersion(host.packages)
        let accepted = try host.upload(first)
        #expect(accepted.status == 201)
        let refused = try host.upload(second)
        #expect(refused.status == 409)
        #expect(refused.errorCode == "package_version_exists")
        #expect(try host.install("notes", version: "1.0.0").status == 201)
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/notes").json["migrations"] as? [String] == ["0001_items"])
        let sameVersion = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0"])
        #expect(sameVersion.status == 409)
        #expect(sameVersion.errorCode == "same_version")
        #expect(sameVersion.errorMessage?.contains("BERTH_DEV_MODE") == true)
    }

    @Test func aDevelopmentHostReinstallsAChangedPackageInPlaceKeepingTheData() throws {
        let host = try IntegrationHost(environment: ["BERTH_DEV_MODE": "1"])
        defer { host.close() }
        let (first, second) = try twoBuildsOfOneVersion(host.packages)
        #expect(try host.uploadAndInstall(first, id: "notes").status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("kept".utf8)).status == 201)

        let replaced = try host.upload(second)
        #expect(replaced.status == 201, "\(replaced.text)")
        let reinstalled = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0"])
        #expect(reinstalled.status == 200, "\(reinstalled.text)")
        #expect(reinstalled.json["migrations"] as? [String] == ["+0002_tags"])
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/notes").json["migrations"] as? [String] == ["0001_items", "0002_tags"])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "kept")

        let unchanged = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0"])
        #expect(unchanged.status == 409)
        #expect(unchanged.errorCode == "same_version")
    }
}
