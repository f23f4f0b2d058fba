import BerthHTTP
import PluginAPI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A request body must keep a minimum average pace after a grace period: a body trickled a byte at
/// a time (which resets libmicrohttpd's idle timeout with every byte) is cut with one JSON 408,
/// while a body sent at once is unaffected.
struct SlowBodyTests {
    static func server(grace: Double, rate: Int) throws -> HTTPServer {
        try TestServer.start(configure: {
            $0.bodyGraceSeconds = grace
            $0.minimumBodyBytesPerSecond = rate
        }) { routes in
            try routes.add(.post, "/echo", owner: "test", immediate: { request in Response(status: 200, body: request.body) })
        }
    }

    @Test func aTrickledBodyIsAnswered408AndClosedOnceItFallsBehind() async throws {
        let server = try Self.server(grace: 0.5, rate: 1000)
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        let (text, closed, elapsed) = try await onThread {
            // Reads wait at most 1 s: one body byte goes out per wait, 1 byte a second, far under 1000.
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 1)
            let started = ContinuousClock.now
            try connection.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab".utf8))
            var reply: (bytes: [UInt8], closed: Bool) = ([], false)
            for _ in 0 ..< 8 where !reply.closed {
                guard (try? connection.send([0x61])) != nil else { break }
                reply = connection.readToEnd()
            }
            if !reply.closed { reply = connection.readToEnd() }
            return (String(decoding: reply.bytes, as: UTF8.self), reply.closed, ContinuousClock.now - started)
        }
        #expect(text.hasPrefix("HTTP/1.1 408"), "\(text)")
        #expect(text.contains("\"code\":\"request_body_too_slow\""), "\(text)")
        #expect(closed)
        #expect(elapsed < .seconds(8), "cut soon after the grace period, not at the idle timeout: \(elapsed)")
    }

    @Test func aBodySentAtOnceIsNotAffected() async throws {
        let server = try Self.server(grace: 0.5, rate: 1000)
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let connection = try RawHTTPConnection(port: port)
            let body = [UInt8](repeating: 0x62, count: 200_000)
            #expect(try connection.request("POST", "/echo", body: body).body == body)
            #expect(try connection.request("POST", "/echo", body: Array("again".utf8)).text == "again")
        }
    }
}
