import BerthPackages
import BerthTestSupport
import Foundation

/// What the provider-addon tests share: the real servers of tools/scripts/with-test-servers.sh,
/// and packing an addon of `Addons/` with loopback added to its network allow-list (its manifest
/// lists the providers' public hosts; the tests' servers listen on 127.0.0.1).
enum ProviderAddons {
    /// Whether with-test-servers.sh set its variables (or requires them: then a test fails on a missing one).
    static var serversAvailable: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["BERTH_REQUIRE_TEST_SERVERS"] == "1" || environment["BERTH_TEST_S3_URL"] != nil
    }

    /// The variable `name` of with-test-servers.sh.
    static func server(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw ProviderTestFailure("\(name) is not set: run the tests under tools/scripts/with-test-servers.sh")
        }
        return value
    }

    /// The port of the URL in the variable `name`.
    static func port(of name: String) throws -> Int {
        guard let port = URLComponents(string: try server(name))?.port else { throw ProviderTestFailure("\(name) has no port") }
        return port
    }

    /// Packs `Addons/<folder>` (library of `product`) with `extraPermissions` added to its manifest.
    static func pack(_ folder: String, product: String, extraPermissions: [String] = [], in host: IntegrationHost) throws -> String {
        let copy = host.packages.folder + "/src-\(folder)-\(UUID().uuidString.prefix(6))"
        try FileManager.default.copyItem(atPath: BuiltProducts.repositoryRoot + "/Addons/\(folder)", toPath: copy)
        let manifestPath = copy + "/addon.json"
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any] ?? [:]
        manifest["permissions"] = (manifest["permissions"] as? [String] ?? []) + extraPermissions
        try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: manifestPath))
        let output = host.packages.folder + "/\(folder)-\(UUID().uuidString.prefix(6)).berth"
        let result = try Command.run(BuiltProducts.addonctl, [
            "pack", copy, "--key", host.packages.folder + "/dev.key", "--library", BuiltProducts.library(product), "--out", output,
        ])
        guard result.status == 0 else { throw ProviderTestFailure("addonctl pack failed: \(result.output)") }
        return output
    }

    /// Packs and installs `Addons/<folder>` with `config`.
    @discardableResult
    static func install(_ folder: String, product: String, extraPermissions: [String] = [], config: [String: Any]? = nil, in host: IntegrationHost) throws -> HTTPTestClient.Reply {
        let id = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: BuiltProducts.repositoryRoot + "/Addons/\(folder)/addon.json"))) as? [String: Any])?["id"] as? String ?? folder
        return try host.uploadAndInstall(try pack(folder, product: product, extraPermissions: extraPermissions, in: host), id: id, config: config)
    }

    /// Installs the provider fixture (`/api/v1/slots/…` sends email, stores objects, tracks events).
    static func installSlotsFixture(_ host: IntegrationHost, permissions: [String], uploadLimit: Int? = nil) throws {
        let archive = try host.packages.fixture(id: "slots", version: "1.0.0", product: "FixtureProviderAddon") { manifest in
            manifest.permissions = permissions
            if let uploadLimit { manifest.routes = [RoutePolicy(method: "PUT", path: "/objects/:key", bodyLimit: uploadLimit)] }
        }
        _ = try host.uploadAndInstall(archive, id: "slots")
    }

    /// The slot `name` of `GET /api/v1/providers`.
    static func slot(_ name: String, in host: IntegrationHost) throws -> [String: Any] {
        let reply = try host.berth.admin.send("GET", "/api/v1/providers")
        guard reply.status == 200 else { throw ProviderTestFailure("GET /api/v1/providers: \(reply.status) \(reply.text)") }
        return (reply.json["slots"] as? [[String: Any]] ?? []).first { $0["slot"] as? String == name } ?? [:]
    }

    /// The member `provider` of the slot `name`.
    static func member(_ provider: String, of name: String, in host: IntegrationHost) throws -> [String: Any] {
        (try slot(name, in: host)["providers"] as? [[String: Any]] ?? []).first { $0["name"] as? String == provider } ?? [:]
    }

    /// The messages the suite's SMTP server stored, as (metadata, raw message), oldest first.
    static func spooledMail() throws -> [(meta: [String: Any], raw: String)] {
        let spool = try server("BERTH_TEST_SMTP_SPOOL")
        let names = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".eml") }
            .sorted { (Int($0.dropLast(4)) ?? 0) < (Int($1.dropLast(4)) ?? 0) }
        return try names.map { name in
            let base = spool + "/" + name.dropLast(4)
            let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as? [String: Any] ?? [:]
            return (meta, try String(contentsOfFile: base + ".eml", encoding: .utf8))
        }
    }

    /// The SMTP addon's configuration for the suite's STARTTLS server with AUTH.
    static func smtpConfig() throws -> [String: Any] {
        [
            "preset": "custom", "host": "127.0.0.1", "port": Int(try server("BERTH_TEST_SMTP_PORT")) ?? 0, "security": "starttls",
            "username": try server("BERTH_TEST_SMTP_USER"), "password": try server("BERTH_TEST_SMTP_PASSWORD"),
            "caFile": try server("BERTH_TEST_CA"), "fromAddress": "noreply@berth.test", "fromName": "Berth", "timeoutSeconds": 10,
        ]
    }
}

/// A step of a provider-addon test that could not be done, with what went wrong.
struct ProviderTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
