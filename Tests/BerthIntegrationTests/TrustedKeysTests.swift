import BerthTestSupport
import Foundation
import Testing

/// The trust store applies changes without a restart: a key copied into `.berth/trusted-keys/`,
/// or added, listed and revoked through `/api/v1/trusted-keys`.
struct TrustedKeysTests {
    static func upload(_ host: IntegrationHost, _ archive: String) throws -> HTTPTestClient.Reply {
        try host.upload(archive)
    }

    @Test func aKeyCopiedIntoTheTrustStoreAppliesWithoutARestart() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let publisher = try PackageFactory(folder: host.folder.appending("publisher"))
        let archive = try publisher.fixture(id: "copied_key", version: "1.0.0")
        let refused = try Self.upload(host, archive)
        #expect(refused.status == 422)
        #expect(refused.errorCode == "untrusted_key")
        #expect(refused.text.contains("/api/v1/trusted-keys"))

        try FileManager.default.copyItem(atPath: publisher.publicKeyFile, toPath: host.home + "/.berth/trusted-keys/publisher.pub")
        let accepted = try Self.upload(host, archive)
        #expect(accepted.status == 201, "\(accepted.text)")
    }

    @Test func keysAreAddedListedAndRevokedThroughTheAdminAPI() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let publisher = try PackageFactory(folder: host.folder.appending("publisher"))
        let pem = Array(try Data(contentsOf: URL(fileURLWithPath: publisher.publicKeyFile)))

        let added = try host.berth.admin.send("POST", "/api/v1/trusted-keys", body: pem)
        #expect(added.status == 201, "\(added.text)")
        let id = try #require(added.json["id"] as? String)
        #expect(try host.berth.admin.send("POST", "/api/v1/trusted-keys", body: pem).status == 200, "adding it again changes nothing")
        let listed = try host.berth.admin.send("GET", "/api/v1/trusted-keys").json["keys"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["id"] as? String }).count == 2, "the test's key and the added one: \(listed)")

        _ = try host.uploadAndInstall(try publisher.fixture(id: "signed_addon", version: "1.0.0"), id: "signed_addon")
        let upgradeArchive = try publisher.fixture(id: "signed_addon", version: "1.1.0")
        #expect(try Self.upload(host, upgradeArchive).status == 201)
        let withInstalled = try host.berth.admin.send("GET", "/api/v1/trusted-keys").json["keys"] as? [[String: Any]] ?? []
        #expect(withInstalled.first { $0["id"] as? String == id }?["installedAddons"] as? [String] == ["signed_addon"])

        let revoked = try host.berth.admin.send("DELETE", "/api/v1/trusted-keys/\(id)")
        #expect(revoked.status == 200, "\(revoked.text)")
        #expect(revoked.json["installedAddons"] as? [String] == ["signed_addon"])
        #expect((revoked.json["message"] as? String)?.contains("signed_addon") == true)
        // Its packages can no longer be installed, not even those already in the catalog.
        let upgrade = try host.berth.admin.sendJSON("POST", "/api/v1/addons/signed_addon/upgrade", ["version": "1.1.0"])
        #expect(upgrade.status == 422, "\(upgrade.text)")
        #expect(upgrade.errorCode == "untrusted_key")
        #expect(try Self.upload(host, try publisher.fixture(id: "other_addon", version: "1.0.0")).errorCode == "untrusted_key")
        let after = try host.berth.admin.send("GET", "/api/v1/trusted-keys").json
        #expect(after["revoked"] as? [String] == [id])
        #expect((after["keys"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == false)
        // The installed addon keeps running and is still reported.
        #expect(try host.berth.anonymous.send("GET", "/api/v1/signed_addon/version").text == "1.0.0")

        // Adding the key again lifts the revocation.
        #expect(try host.berth.admin.send("POST", "/api/v1/trusted-keys", body: pem).status == 201)
        #expect(try host.berth.admin.sendJSON("POST", "/api/v1/addons/signed_addon/upgrade", ["version": "1.1.0"]).status == 200)
    }

    @Test func aKeyFromTheEnvironmentCanBeRevokedAndBadRequestsAreRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let listed = try host.berth.admin.send("GET", "/api/v1/trusted-keys").json["keys"] as? [[String: Any]] ?? []
        let id = try #require(listed.first?["id"] as? String)
        #expect(try host.berth.admin.send("DELETE", "/api/v1/trusted-keys/\(id)").status == 200)
        #expect(try Self.upload(host, try host.packages.fixture(id: "env_signed", version: "1.0.0")).errorCode == "untrusted_key")

        let unknown = try host.berth.admin.send("DELETE", "/api/v1/trusted-keys/0000000000000000")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "unknown_key")
        let garbage = try host.berth.admin.send("POST", "/api/v1/trusted-keys", body: Array("not a key".utf8))
        #expect(garbage.status == 400, "\(garbage.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/trusted-keys").status == 401)
    }
}
