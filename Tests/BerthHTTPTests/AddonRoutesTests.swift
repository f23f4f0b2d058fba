import PluginAPI
import Testing

/// How PluginAPI's `Routes` records what an addon registers: a closure with no `await` becomes an
/// immediate handler the host can call without a task, one that awaits stays async, and both kinds
/// answer through ``Routes/Route/handler``.
struct AddonRoutesTests {
    @Test func aClosureWithoutAwaitIsRegisteredAsAnImmediateHandler() {
        var routes = Routes()
        routes.get("/sync") { _, _ in .text("sync") }
        routes.post("/sync-throwing") { request, _ in
            guard !request.body.isEmpty else { throw HTTPError.badRequest("empty") }
            return .text("ok")
        }
        #expect(routes.all.map { $0.immediateHandler != nil } == [true, true])
        #expect(routes.all.map(\.method) == [.get, .post])
    }

    @Test func aClosureThatAwaitsStaysAnAsyncHandler() {
        var routes = Routes()
        routes.get("/async") { _, _ in
            await Task.yield()
            return .text("async")
        }
        #expect(routes.all.count == 1)
        #expect(routes.all[0].immediateHandler == nil)
    }
}
