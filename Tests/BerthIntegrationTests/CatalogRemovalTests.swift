import BerthTestSupport
import Foundation
import Testing

/// `DELETE /api/v1/marketplace/packages/{id}/{version}` takes a version out of the catalog, and is
/// refused while that version is installed.
struct CatalogRemovalTests {
    func catalogVersions(_ host: IntegrationHost, of id: String) throws -> [String] {
        let listed = try host.berth.admin.send("GET", "/api/v1/marketplace/packages").json["packages"] as? [[String: Any]] ?? []
        return listed.compactMap { ($0["package"] as? [String: Any])?["manifest"] as? [String: Any] }.filter { $0["id"] as? String == id }.compactMap { $0["version"] as? String }
    }

    @Test func aVersionThatIsNotInstalledIsRemovedAndTheInstalledOneIsRefusedUntilUninstalled() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        for (version, count) in [("1.0.0", 1), ("1.1.0", 2)] {
            #expect(try host.upload(try host.packages.fixture(id: "notes", version: version, migrations: Array(PackageFactory.notesMigrations.prefix(count)))).status == 201)
        }
        #expect(try host.install("notes", version: "1.0.0").status == 201)

        let refused = try host.berth.admin.send("DELETE", "/api/v1/marketplace/packages/notes/1.0.0")
        #expect(refused.status == 409)
        #expect(refused.errorCode == "package_installed")
        #expect(refused.errorMessage?.contains("uninstall") == true)
        #expect(try catalogVersions(host, of: "notes") == ["1.0.0", "1.1.0"])

        let removed = try host.berth.admin.send("DELETE", "/api/v1/marketplace/packages/notes/1.1.0")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(removed.json["remainingVersions"] as? [String] == ["1.0.0"])
        #expect(try catalogVersions(host, of: "notes") == ["1.0.0"])
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/catalog/notes/1.1.0"))
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").status == 200)

        let again = try host.berth.admin.send("DELETE", "/api/v1/marketplace/packages/notes/1.1.0")
        #expect(again.status == 404)
        #expect(again.errorCode == "package_not_found")
        #expect(try host.berth.anonymous.send("DELETE", "/api/v1/marketplace/packages/notes/1.0.0").status == 401)

        #expect(try host.uninstall("notes").status == 200)
        #expect(try host.berth.admin.send("DELETE", "/api/v1/marketplace/packages/notes/1.0.0").status == 200)
        #expect(try catalogVersions(host, of: "notes").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/catalog/notes"))
    }
}
