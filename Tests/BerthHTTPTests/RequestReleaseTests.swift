@testable import BerthHTTP
import PluginAPI
import Testing

/// The per-request state parked in `*con_cls` is released exactly once, however the request ends.
/// The active-request count is decremented by the same completion callback that drops the retain.
struct RequestReleaseTests {
    @Test func everyRequestIsReleasedWhetherAnsweredRefusedOrAbandonedByTheClient() async throws {
        // libmicrohttpd 0.9.75 (epoll) sometimes notices the client that closes halfway through its
        // upload only when the connection's idle timeout fires; with the test servers' 10 s that
        // used up the whole wait below in about one run out of two. A 2 s timeout ends it well
        // within the wait, by one of the ways a request may end.
        let server = try TestServer.start(configure: { $0.idleTimeoutSeconds = 2 }) { routes in
            try routes.add(.get, "/now", owner: "test", handler: immediate("now"))
            try routes.add(.get, "/later", owner: "test", handler: suspending("later"))
            try routes.add(.post, "/small", owner: "test", body: .buffered(limit: 16), handler: immediate("ok"))
            try routes.add(.post, "/upload", owner: "test", body: .spooled(limit: 1 << 20), handler: immediate("ok"))
        }
        defer { server.stop() }
        let port = server.port
        try await onThread {
            let connection = try RawHTTPConnection(port: port)
            _ = try connection.request("/now")
            _ = try connection.request("/later")
            _ = try connection.request("/missing")
            _ = try RawHTTPConnection(port: port).request("POST", "/small", body: Array(repeating: 1, count: 64))
            // A client that goes away halfway through its upload.
            let quitter = try RawHTTPConnection(port: port)
            try quitter.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8) + Array(repeating: 2, count: 5000))
            // A client that goes away while its handler is suspended.
            let impatient = try RawHTTPConnection(port: port)
            try impatient.send(Array("GET /later HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        }
        var active = server.context.activeRequests.load(ordering: .acquiring)
        for _ in 0..<1000 where active != 0 {
            try await Task.sleep(for: .milliseconds(10))
            active = server.context.activeRequests.load(ordering: .acquiring)
        }
        #expect(active == 0)
    }
}
