import BerthHTTP
import PluginAPI
import Synchronization
import Testing

/// Synchronous handlers: called directly on the polling thread with no task, bracketed by the
/// handler observer, and moved into a task only when the observer asks for it.
struct ImmediateHandlerTests {
    @Test func aSynchronousHandlerRunsWithNoTask() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.get, "/where", owner: "test", immediate: { _ in
                .text(withUnsafeCurrentTask { $0 == nil } ? "no task" : "in a task")
            })
            try routes.add(.get, "/where-async", owner: "test") { _, _ in
                .text(withUnsafeCurrentTask { $0 == nil } ? "no task" : "in a task")
            }
        }
        defer { server.stop() }
        let port = server.port
        let responses = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return try [connection.request("/where"), connection.request("/where-async"), connection.request("/where")]
        }
        #expect(responses.map(\.status) == [200, 200, 200])
        #expect(responses.map(\.text) == ["no task", "in a task", "no task"])
    }

    @Test func aSynchronousHandlerSeesTheRequestAndItsBody() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.post, "/echo/:name", owner: "test", immediate: { request in
                .text("\(request.parameters["name"] ?? "-") \(request.query.first?.value ?? "-") \(request.headers["X-Probe"] ?? "-") \(request.bodyText)")
            })
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            try RawHTTPConnection(port: port).request("POST", "/echo/ada?mode=fast", headers: [("X-Probe", "7")], body: Array("hello".utf8))
        }
        #expect(response.status == 200)
        #expect(response.text == "ada fast 7 hello")
    }

    @Test func aSynchronousRouteStillRefusesABodyOverItsLimit() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.post, "/small", owner: "test", bodyLimit: 4, immediate: { _ in .text("taken") })
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            try RawHTTPConnection(port: port).request("POST", "/small", body: Array("too long".utf8))
        }
        #expect(response.status == 413)
    }

    @Test func theObserverSeesStartFinishAndLeaveInOrderOnTheSameThread() async throws {
        let observer = RecordingObserver(offThread: false)
        let server = try TestServer.start(configure: { $0.handlerObserver = observer }) { routes in
            try routes.add(.get, "/now", owner: "addon_a", immediate: { _ in .text("now") })
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/now") }
        #expect(response.text == "now")
        #expect(observer.calls == ["start addon_a", "finish", "left"])
    }

    @Test func anObserverThatWantsHandlersOffThePollingThreadGetsThemInATask() async throws {
        let observer = RecordingObserver(offThread: true)
        let server = try TestServer.start(configure: { $0.handlerObserver = observer }) { routes in
            try routes.add(.get, "/where", owner: "addon_a", immediate: { _ in
                .text(withUnsafeCurrentTask { $0 == nil } ? "no task" : "in a task")
            })
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/where") }
        #expect(response.status == 200)
        #expect(response.text == "in a task")
        #expect(observer.calls.first == "start addon_a")
    }
}

/// Records the observer calls it gets, in order.
private final class RecordingObserver: HandlerObserver {
    private let offThread: Bool
    private let recorded = Mutex<[String]>([])

    init(offThread: Bool) {
        self.offThread = offThread
    }

    var calls: [String] { recorded.withLock { $0 } }

    func startsOffPollingThread(owner: String) -> Bool { offThread }

    func handlerWillStart(owner: String, socket: Int32) -> Int32 {
        recorded.withLock { $0.append("start \(owner)") }
        return 1
    }

    func handlerLeftThread(_ ticket: Int32) {
        recorded.withLock { $0.append("left") }
    }

    func handlerDidFinish(_ ticket: Int32) {
        recorded.withLock { $0.append("finish") }
    }
}
