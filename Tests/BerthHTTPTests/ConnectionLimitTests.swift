import BerthHTTP
import Foundation
import PluginAPI
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Connections are bounded per address and in total (the one past a limit is answered 503), and a
/// request head has a deadline that trickling cannot extend, so a flood of slow connections from
/// one address leaves other clients served promptly.
struct ConnectionLimitTests {
    static func server(_ configure: @escaping (inout ServerConfiguration) -> Void) throws -> HTTPServer {
        try TestServer.start(configure: configure) { routes in
            try routes.add(.get, "/hello", owner: "test", immediate: { _ in .text("hello") })
        }
    }

    /// A connection from `source` (a loopback address) that sends what it is told, never blocking
    /// for long.
    final class Client: Sendable {
        let descriptor: Int32

        init(port: Int, source: String, timeoutMilliseconds: Int = 2000) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: Int((timeoutMilliseconds % 1000) * 1000))
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0 else { throw RawHTTPConnection.Failure.connectFailed(errno) }
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw RawHTTPConnection.Failure.connectFailed(errno) }
        }

        deinit { close(descriptor) }

        @discardableResult
        func send(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }

        /// Whatever has arrived within `milliseconds`, until the peer closes.
        func read(waiting milliseconds: Int32) -> (text: String, closed: Bool) {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptorSet, 1, received.isEmpty ? milliseconds : 200) > 0 else { break }
                let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
                received += chunk[..<count]
            }
            return (String(decoding: received, as: UTF8.self), false)
        }

        /// One whole GET and its status, or nil.
        func get(_ path: String) -> Int? {
            guard send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") else { return nil }
            let (text, _) = read(waiting: 2000)
            return text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil
        }
    }

    @Test func theConnectionPastThePerAddressLimitIsAnswered503AndOtherAddressesAreServed() async throws {
        let server = try Self.server { $0.perIPConnectionLimit = 4 }
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let held = try (0 ..< 4).map { _ in try Client(port: port, source: "127.0.0.2") }
            let refused = try Client(port: port, source: "127.0.0.2")
            let (text, closed) = refused.read(waiting: 2000)
            #expect(text.hasPrefix("HTTP/1.1 503"), "\(text)")
            #expect(text.contains("too_many_connections"))
            #expect(closed)
            #expect(try Client(port: port, source: "127.0.0.1").get("/hello") == 200)
            // Each held connection still gets its answer.
            #expect(held.map { $0.get("/hello") } == [200, 200, 200, 200])
        }
    }

    @Test func theConnectionPastTheTotalLimitIsAnswered503() async throws {
        let server = try Self.server { $0.connectionLimit = 3 }
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            var held = try (0 ..< 3).map { _ in try Client(port: port, source: "127.0.0.1") }
            let (text, _) = try Client(port: port, source: "127.0.0.3").read(waiting: 2000)
            #expect(text.hasPrefix("HTTP/1.1 503"), "\(text)")
            #expect(text.contains("Retry-After: 1"))
            held.removeAll()
            // Closed connections give their places back: many more than the limit, one after another.
            for _ in 0 ..< 20 {
                let deadline = Date().addingTimeInterval(3)
                var status = try Client(port: port, source: "127.0.0.1").get("/hello")
                while status != 200 && Date() < deadline {
                    status = try Client(port: port, source: "127.0.0.1").get("/hello")
                }
                #expect(status == 200)
            }
        }
    }

    /// Sends a request line, then a header line every 100 ms until the server closes (or 10 s pass):
    /// what came back, and the seconds since `since` (by default, the request line).
    static func trickleAHead(on client: Client, since: Date? = nil) -> (answer: String, seconds: Double) {
        client.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
        let started = since ?? Date()
        var answer = ""
        while Date().timeIntervalSince(started) < 10 {
            guard client.send("X-Trickle: 1\r\n") else { break }
            let (text, closed) = client.read(waiting: 100)
            answer += text
            if closed { break }
        }
        return (answer, Date().timeIntervalSince(started))
    }

    @Test func aTricklingHeadIsCutAtItsDeadline() async throws {
        let server = try Self.server { $0.headTimeoutSeconds = 0.5 }
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let client = try Client(port: port, source: "127.0.0.1")
            let (answer, elapsed) = Self.trickleAHead(on: client)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains("request_head_timeout"))
            #expect(elapsed < 5, "the trickle did not extend the deadline")
        }
    }

    /// libmicrohttpd's idle timeout counts from the last byte, so on a kept-alive connection a head
    /// trickled a line at a time would hold it for ever: the next head has the idle timeout plus the
    /// head timeout from the end of the previous request.
    @Test(arguments: [false, true])
    func aLaterHeadTrickledOnAKeptAliveConnectionIsCutAtItsDeadline(lanes: Bool) async throws {
        let server = try Self.server {
            $0.headTimeoutSeconds = 0.5
            $0.idleTimeoutSeconds = 1
            $0.takesOverBlockedThreads = lanes
        }
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let client = try Client(port: port, source: "127.0.0.1")
            // The deadline counts from the end of this first request, which the client cannot see
            // exactly: from before it is sent, the elapsed time is never short of the deadline.
            let beforeTheFirstRequest = Date()
            client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            var first = ""
            for _ in 0 ..< 50 where !first.hasSuffix("hello") { first += client.read(waiting: 100).text }
            #expect(first.hasPrefix("HTTP/1.1 200") && first.hasSuffix("hello"), "\(first)")

            let (answer, elapsed) = Self.trickleAHead(on: client, since: beforeTheFirstRequest)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains("request_head_timeout"))
            #expect(elapsed >= 1.4, "cut after \(elapsed) s, before its deadline")
            #expect(elapsed < 5, "the trickle extended the deadline: \(elapsed) s")
        }
    }
}
