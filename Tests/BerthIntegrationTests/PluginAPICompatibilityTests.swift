import BerthTestSupport
import Foundation
import Testing

/// PluginAPI keeps its promises to built addons, checked against its last release (1.1.0, from
/// git history) by `tools/scripts/plugin-api-baseline.sh`: an addon compiled against 1.1.0 loads
/// and serves on this host, and the ABI/API check passes on this tree and fails on a break.
@Suite(.serialized)
struct PluginAPICompatibilityTests {
    static let script = BuiltProducts.repositoryRoot + "/tools/scripts/plugin-api-baseline.sh"

    /// Builds (or finds up to date) the fixture compiled against PluginAPI 1.1.0.
    func legacyLibrary() throws -> String {
        let built = try Command.run(Self.script, ["fixture"])
        try #require(built.status == 0, "\(built.output)")
        return try #require(built.output.split(separator: "\n").last.map(String.init))
    }

    @Test(.timeLimit(.minutes(5)))
    func anAddonBuiltAgainstPluginAPI110FromGitHistoryLoadsAndServes() throws {
        let library = try legacyLibrary()
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(
            id: "legacy_abi", product: "FixtureLegacyAddon", library: library, mountPrefix: "/api/v1/legacy_abi",
            migrations: [("0001_items", "CREATE TABLE items (name TEXT PRIMARY KEY);", "DROP TABLE items;")]
        ) { $0.pluginAPI = ">=1.1.0 <2.0.0" }
        let installed = try host.uploadAndInstall(archive, id: "legacy_abi")
        #expect(installed.status == 201)

        let client = host.berth.anonymous
        let hostPluginAPI = try host.berth.admin.send("GET", "/api/v1/host").json["pluginAPIVersion"] as? String
        #expect(hostPluginAPI != "1.1.0", "the host is newer than the fixture's PluginAPI")
        #expect(try client.send("GET", "/api/v1/legacy_abi/abi").text == "compiled=1.1.0 runtime=\(hostPluginAPI ?? "?")")
        #expect(try client.send("GET", "/api/v1/legacy_abi/hello/ada").text == "hello ada from legacy_abi")
        #expect(try client.send("POST", "/api/v1/legacy_abi/items", body: Array("anchor".utf8)).status == 201)
        #expect(try client.send("GET", "/api/v1/legacy_abi/items").text == "anchor")

        let removed = try host.uninstall("legacy_abi")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(try client.send("GET", "/api/v1/legacy_abi/items").status == 404)
    }

    @Test(.timeLimit(.minutes(5)))
    func theABICheckPassesOnThisTreeAndFailsOnACopyMissingAPublicMethod() throws {
        let passed = try Command.run(Self.script, ["check"])
        #expect(passed.status == 0, "\(passed.output)")

        let scratch = try TemporaryDirectory("berth-abi-break")
        defer { scratch.remove() }
        let copy = scratch.appending("PluginAPI")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources"] {
            try FileManager.default.copyItem(atPath: BuiltProducts.repositoryRoot + "/PluginAPI/" + item, toPath: copy + "/" + item)
        }
        let file = copy + "/Sources/PluginAPI/HTTP/HTTPError.swift"
        let source = try String(contentsOfFile: file, encoding: .utf8)
        let method = """
                /// A 404 with code `not_found`.
                public static func notFound(_ message: String) -> HTTPError {
                    HTTPError(status: 404, code: "not_found", message: message)
                }
            """
        try #require(source.contains(method), "the scratch break needs HTTPError.notFound to exist")
        try source.replacingOccurrences(of: method, with: "").write(toFile: file, atomically: true, encoding: .utf8)

        let broken = try Command.run(Self.script, ["check", copy])
        #expect(broken.status != 0, "\(broken.output)")
        #expect(broken.output.contains("HTTPError.notFound"), "\(broken.output)")
        #expect(broken.output.contains("breaks PluginAPI 1.1.0"), "\(broken.output)")
    }
}
