import PluginAPI
import Testing

/// The 2-argument router keeps synchronous handlers synchronous, carries route options, and
/// serves the routes of a 1.x addon unchanged.
struct RouterTests {
    struct LegacyAddon: Addon {
        var id: String { "legacy" }
        var version: String { "1.0.0" }
        func routes(_ routes: inout Routes, context: AddonContext) {
            routes.get("/sync") { _, context in .text("sync from \(context.addonID)") }
            routes.post("/async") { request, _ in
                await Task.yield()
                return .text("async \(request.bodyText)")
            }
        }
    }

    struct ModernAddon: Addon {
        var id: String { "modern" }
        var version: String { "1.0.0" }
        func register(_ router: inout Router) {
            router.get("/id") { _, context in .text(context.requestID) }
            router.post("/upload", options: RouteOptions(bodyLimit: 10)) { _, _ in
                await Task.yield()
                return Response(status: 204)
            }
        }
    }

    func context() -> RequestContext {
        RequestContext(requestID: "req-1", deadline: .now + .seconds(5), addon: .standIn("legacy"))
    }

    @Test func aClosureWithoutAwaitRegistersAsASynchronousHandler() throws {
        var router = Router(context: .standIn())
        router.get("/a") { _, _ in .text("a") }
        router.get("/b") { _, _ in
            await Task.yield()
            return .text("b")
        }
        #expect(router.all.map(\.path) == ["/a", "/b"])
        #expect(router.all[0].immediateHandler != nil)
        #expect(router.all[1].immediateHandler == nil)
        #expect(try router.all[0].immediateHandler?(Request(method: .get, path: "/a"), context()).bodyText == "a")
    }

    @Test func routeOptionsTravelWithTheRouteAndDefaultToTheHostsChoice() {
        var router = Router(context: .standIn())
        ModernAddon().register(&router)
        #expect(router.all[0].options.bodyLimit == nil)
        #expect(router.all[1].options.bodyLimit == 10)
        #expect(router.all[1].method == .post)
    }

    @Test func theDefaultRegistrationServesTheRoutesOfA1xAddon() async throws {
        var router = Router(context: .standIn("legacy"))
        LegacyAddon().register(&router)
        #expect(router.all.map { "\($0.method) \($0.path)" } == ["GET /sync", "POST /async"])
        let sync = try #require(router.all[0].immediateHandler)
        #expect(try sync(Request(method: .get, path: "/sync"), context()).bodyText == "sync from legacy")
        #expect(router.all[1].immediateHandler == nil)
        let answer = try await router.all[1].handler(Request(method: .post, path: "/async", body: Array("x".utf8)), context())
        #expect(answer.bodyText == "async x")
    }

    @Test func aHandlerReadsTheRequestIDFromItsContext() async throws {
        var router = Router(context: .standIn())
        ModernAddon().register(&router)
        let answer = try await router.all[0].handler(Request(method: .get, path: "/id", requestID: "req-1"), context())
        #expect(answer.bodyText == "req-1")
    }
}

extension Response {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}
