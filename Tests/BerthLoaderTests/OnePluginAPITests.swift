import BerthLoader
import BerthTestSupport
import Foundation
import PluginAPI
import Testing

/// An addon built as a separate library shares this process's one copy of PluginAPI.
struct OnePluginAPITests {
    @Test func aSeparatelyBuiltAddonCastsToThePluginAPIProtocolAndKeepsItsIdentity() throws {
        let library = try AddonLibrary.load(path: BuiltProducts.library("FixtureProbeAddon"))
        #expect(library.addon.id == "fixture_probe")
        #expect(library.addon.version == "1.0.0")
        let boxed: Any = library.addon
        #expect(boxed is any Addon)
    }

    @Test func theAddonSeesTheSamePluginAPISingletonAsTheHost() throws {
        let path = BuiltProducts.library("FixtureProbeAddon")
        _ = try AddonLibrary.load(path: path)
        let handle = try #require(dlopen(path, RTLD_NOW | RTLD_NOLOAD))
        let symbol = try #require(dlsym(handle, "fixture_runtime_token"))
        typealias TokenEntry = @convention(c) () -> UInt64
        let addonToken = unsafeBitCast(symbol, to: TokenEntry.self)()
        #expect(addonToken == AddonABI.runtimeToken)
    }

    @Test func aRouteHandlerRunsAcrossTheBoundaryWithHostTypes() async throws {
        let library = try AddonLibrary.load(path: BuiltProducts.library("FixtureProbeAddon"))
        var routes = Routes()
        let context = AddonContext(
            addonID: "fixture_probe", database: NoDatabase(), logger: Logger(label: "test", handler: SilentLog()),
            events: NoEvents(), configuration: { AddonConfiguration() }
        )
        library.addon.routes(&routes, context: context)
        let ping = try #require(routes.all.first { $0.path == "/ping" })
        let response = try await ping.handler(Request(method: .get, path: "/ping"), context)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "pong")
        let token = try #require(routes.all.first { $0.path == "/token" })
        let tokenResponse = try await token.handler(Request(method: .get, path: "/token"), context)
        #expect(String(decoding: tokenResponse.body, as: UTF8.self) == String(AddonABI.runtimeToken))
    }
}

struct NoDatabase: AddonDatabase {
    var dialect: String { "none" }
    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int { 0 }
    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] { [] }
}

struct NoEvents: EventBus {
    func publish(_ name: String, payload: JSONValue) async {}
    func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription { Subscription {} }
}

struct SilentLog: LogHandler {
    func log(level: LogLevel, message: String, metadata: [String: String], label: String) {}
}
