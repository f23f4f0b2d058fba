import BerthTestSupport
import Foundation
import Testing

/// The README's guide for third-party developers works outside this repository: scaffold, build,
/// pack, sign, install, call.
struct ExternalAddonTests {
    @Test(.timeLimit(.minutes(10)))
    func anAddonBuiltOutsideTheRepositoryFollowingTheGuideInstallsAndRuns() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let workspace = host.folder.appending("outside")
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        let addonctl = BuiltProducts.addonctl

        let created = try Command.run(addonctl, ["new", "field_notes", "--plugin-api", BuiltProducts.repositoryRoot + "/PluginAPI"], directory: workspace)
        #expect(created.status == 0, "\(created.output)")
        let packed = try Command.run(addonctl, ["pack", "field_notes", "--key", host.packages.folder + "/dev.key", "--out", "."], directory: workspace)
        #expect(packed.status == 0, "\(packed.output)")
        let archive = workspace + "/field_notes-1.0.0.berth"
        let verified = try Command.run(addonctl, ["verify", archive, "--key", host.packages.publicKeyFile])
        #expect(verified.status == 0, "\(verified.output)")

        let installed = try Command.run(addonctl, ["install", archive, "--url", "http://127.0.0.1:\(host.berth.port)", "--token", host.berth.token])
        #expect(installed.status == 0, "\(installed.output)")
        let client = host.berth.anonymous
        #expect(try client.send("POST", "/api/v1/field_notes/items", body: Array("first note".utf8)).status == 201)
        let listed = try client.send("GET", "/api/v1/field_notes/items")
        #expect(listed.status == 200)
        #expect(listed.text == "first note")
    }
}
