import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// Configuration and keys in the home are readable by its owner only, and addons' configurations
/// (secrets included) are sealed with AES-256-GCM in the registry.
struct SecretsAtRestTests {
    static func mode(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    static func registry(_ home: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: home + "/addon_registry.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// The configuration of `id` as stored, opened with the home's key.
    static func storedConfiguration(_ home: String, id: String) throws -> [String: Any] {
        let addons = try registry(home)["addons"] as? [String: Any]
        let configuration = (addons?[id] as? [String: Any])?["configuration"] as? [String: Any]
        let sealed = try #require(configuration?["$sealed"] as? String, "configuration is sealed: \(String(describing: configuration))")
        let key = try Data(contentsOf: URL(fileURLWithPath: home + "/.berth/secret.key"))
        let opened = try SecretBox(key: Array(key)).open(Array(try #require(Data(base64Encoded: sealed))), context: Array("berth.registry.\(id)".utf8))
        return try JSONSerialization.jsonObject(with: Data(opened)) as? [String: Any] ?? [:]
    }

    @Test func theRegistryIsPrivateAndSealedAndTheRedactedPlaceholderKeepsTheSecret() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.packExample("greeter", product: "Greeter")
        _ = try host.uploadAndInstall(archive, id: "greeter", config: ["greeting": "Ahoy", "webhookSecret": "s3cret-value-123"])

        let text = try String(contentsOfFile: host.home + "/addon_registry.json", encoding: .utf8)
        #expect(!text.contains("s3cret-value-123"))
        #expect(!text.contains("Ahoy"))
        #expect(Self.mode(host.home + "/addon_registry.json") == 0o600)
        #expect(Self.mode(host.home + "/.berth/secret.key") == 0o600)
        #expect(Self.mode(host.home + "/.berth/admin-token") == 0o600 || !FileManager.default.fileExists(atPath: host.home + "/.berth/admin-token"))
        #expect(Self.mode(host.home + "/.berth") == 0o700)
        for folder in try FileManager.default.contentsOfDirectory(atPath: host.home + "/.berth") {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: host.home + "/.berth/" + folder, isDirectory: &isFolder), isFolder.boolValue {
                #expect(Self.mode(host.home + "/.berth/" + folder) == 0o700, "\(folder)")
            }
        }
        #expect(try Self.storedConfiguration(host.home, id: "greeter")["webhookSecret"] as? String == "s3cret-value-123")

        // A client that read the (redacted) configuration and sends it back with one change.
        let read = try host.berth.admin.send("GET", "/api/v1/addons/greeter/config")
        var configuration = try #require(read.json["configuration"] as? [String: Any])
        #expect(configuration["webhookSecret"] as? String == "[redacted]")
        configuration["greeting"] = "Hej"
        let patched = try host.berth.admin.sendJSON("PATCH", "/api/v1/addons/greeter/config", configuration)
        #expect(patched.status == 200, "\(patched.text)")
        let stored = try Self.storedConfiguration(host.home, id: "greeter")
        #expect(stored["webhookSecret"] as? String == "s3cret-value-123")
        #expect(stored["greeting"] as? String == "Hej")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").text == "Hej!")
    }

    @Test func aPlaintextRegistryFromAnEarlierVersionIsSealedAtStart() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.packExample("greeter", product: "Greeter")
        _ = try host.uploadAndInstall(archive, id: "greeter", config: ["greeting": "Ahoy", "webhookSecret": "old-secret"])
        host.berth.stop()

        // Rewrite it as earlier versions did: configuration in plain text, 0644, in a 0755 folder.
        var document = try Self.registry(host.home)
        var addons = try #require(document["addons"] as? [String: Any])
        var entry = try #require(addons["greeter"] as? [String: Any])
        entry["configuration"] = try Self.storedConfiguration(host.home, id: "greeter")
        addons["greeter"] = entry
        document["addons"] = addons
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: host.home + "/addon_registry.json"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: host.home + "/addon_registry.json")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: host.home + "/.berth")
        #expect(try String(contentsOfFile: host.home + "/addon_registry.json", encoding: .utf8).contains("old-secret"))

        try host.berth.start()
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").text == "Ahoy!")
        #expect(!(try String(contentsOfFile: host.home + "/addon_registry.json", encoding: .utf8)).contains("old-secret"))
        #expect(Self.mode(host.home + "/addon_registry.json") == 0o600)
        #expect(Self.mode(host.home + "/.berth") == 0o700)
        #expect(try Self.storedConfiguration(host.home, id: "greeter")["webhookSecret"] as? String == "old-secret")
    }
}
