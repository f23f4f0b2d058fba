import BerthTestSupport
import Foundation
import Testing

/// In the real host, an addon built as a separate library resolves the host's one copy of
/// PluginAPI: the cast to `Addon` works (it installs and serves) and both read the same singleton.
struct RuntimePluginAPITests {
    @Test func theHostAndAnInstalledAddonShareOnePluginAPI() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "fixture_probe", product: "FixtureProbeAddon", mountPrefix: "/api/v1/probe")
        _ = try host.uploadAndInstall(archive, id: "fixture_probe")

        let hostToken = try host.berth.admin.send("GET", "/api/v1/host").json["pluginAPIRuntimeToken"] as? String
        let addonToken = try host.berth.anonymous.send("GET", "/api/v1/probe/token").text
        #expect(hostToken != nil)
        #expect(addonToken == hostToken)

        // /proc files report size 0: read to the end rather than by size.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/\(host.berth.pid)/maps"))
        let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let mappedPaths = Set(maps.split(separator: "\n").compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init) })
        #expect(mappedPaths.filter { $0.hasSuffix("/libPluginAPI.so") }.count == 1, "\(mappedPaths.filter { $0.contains("PluginAPI") })")
        #expect(mappedPaths.contains { $0.hasSuffix("/lib/libFixtureProbeAddon.so") })
    }
}
