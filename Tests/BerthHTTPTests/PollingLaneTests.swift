import BerthHTTP
import Dispatch
import Foundation
import PluginAPI
import Testing

/// Polling lanes (`takesOverBlockedThreads`): with one polling thread, a handler that blocks it
/// loses it to a new thread, the other connections are served meanwhile, and the blocked handler's
/// answer still reaches its own connection, which then goes on serving.
struct PollingLaneTests {
    /// A gate the test opens; a handler waits on it (at most 10 s), and the test can wait until a
    /// handler has reached it.
    final class Gate: Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        let reached = DispatchSemaphore(value: 0)
        func wait() {
            reached.signal()
            _ = semaphore.wait(timeout: .now() + 10)
        }
        func open() { semaphore.signal() }
        /// Whether a handler reached the gate within 10 s.
        func waitUntilReached() -> Bool { reached.wait(timeout: .now() + 10) == .success }
    }

    static func start(_ gate: Gate) throws -> HTTPServer {
        try TestServer.start(configure: {
            $0.threads = 1
            $0.takesOverBlockedThreads = true
        }) { routes in
            try routes.add(.get, "/ok", owner: "test", immediate: { _ in .text("ok") })
            try routes.add(.get, "/block", owner: "test", immediate: { _ in
                gate.wait()
                return .text("released")
            })
            try routes.add(.get, "/block-async", owner: "test") { _, _ in
                gate.wait()
                try? await Task.sleep(for: .milliseconds(5))
                return .text("released")
            }
            // Async, but it returns without ever suspending: it completes on the thread it held.
            try routes.add(.get, "/block-async-unsuspended", owner: "test") { _, _ in
                gate.wait()
                return .text("released")
            }
        }
    }

    @Test(arguments: ["/block", "/block-async", "/block-async-unsuspended"])
    func aBlockedHandlerLosesItsThreadAndStillAnswersItsConnection(_ route: String) async throws {
        let gate = Gate()
        let server = try Self.start(gate)
        let port = server.port
        let result = try await onThread { () throws -> (reached: Bool, others: [Int], blocked: TestResponse, after: Int, takeovers: Int) in
            let blocked = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            let other = try RawHTTPConnection(port: port, timeoutSeconds: 2)
            _ = try other.request("/ok")
            try blocked.send(Array("GET \(route) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            // The handler holds the only polling thread before the other requests go out; on a
            // loaded machine they were otherwise served before it started, with no takeover.
            let reached = gate.waitUntilReached()
            // Served while the handler blocks the only polling thread (2 s socket timeout each).
            var others: [Int] = []
            for _ in 0 ..< 5 { others.append(try other.request("/ok").status) }
            others.append(try RawHTTPConnection(port: port, timeoutSeconds: 2).request("/ok").status)
            let takeovers = server.takeoverCount
            gate.open()
            let answer = try blocked.readResponse(expectBody: true)
            return (reached, others, answer, try blocked.request("/ok").status, takeovers)
        }
        #expect(result.reached, "the handler of \(route) never started")
        #expect(result.others == [200, 200, 200, 200, 200, 200])
        #expect(result.takeovers >= 1)
        #expect(result.blocked.status == 200 && result.blocked.text == "released")
        #expect(result.after == 200)
        try await onThread { server.stop() }
    }

    @Test func stopAnswersAHandlerStillBlockedOnALaneTakenOverWith503() async throws {
        let gate = Gate()
        let server = try Self.start(gate)
        let port = server.port
        let answer = try await onThread { () throws -> TestResponse in
            let blocked = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            try blocked.send(Array("GET /block HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            // Taken over once the other connection is served while the handler blocks.
            #expect(try RawHTTPConnection(port: port, timeoutSeconds: 2).request("/ok").status == 200)
            server.stop(drainTimeout: .milliseconds(200))
            let answer = try blocked.readResponse(expectBody: true)
            gate.open()
            return answer
        }
        #expect(answer.status == 503)
    }
}
