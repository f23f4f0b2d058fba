import BerthTestSupport
import Foundation
import Glibc
import Testing

/// The default process model runs handlers inline on polling threads that are taken over when a
/// handler keeps one. With one worker and one polling thread every connection shares the thread of
/// the handler that blocks or crashes: the other connections, kept-alive ones opened before and new
/// ones, must still be answered, each within its socket's timeout.
struct HandlerTakeoverTests {
    @Test func aHandlerBlockingForSecondsStallsNoOtherConnectionOfItsPollingThread() throws {
        let host = try SupervisedHost(workers: 1, environment: ["BERTH_HANDLER_TIMEOUT": "4", "BERTH_THREADS": "1"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.make(id: "hang_fixture", product: "FixtureHangAddon", mountPrefix: "/api/v1/hang"), id: "hang_fixture")
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 1 && (try? host.anonymous.send("GET", "/api/v1/hang/ok").status) == 200 }

        let kept = try (0 ..< 6).map { _ in try KeptConnection(port: host.berth.port) }
        for connection in kept { #expect(try connection.get("/api/v1/hang/ok").status == 200) }

        let hung = try RawSocket(port: host.berth.port, timeoutSeconds: 15)
        let started = Date()
        #expect(hung.send("GET /api/v1/hang/hang HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        // While the handler blocks (it is answered 504 only after 4 s), every other connection is
        // served: a stall would leave a request without an answer for its 2 s socket timeout.
        var answered = 0
        var failures: [String] = []
        while Date().timeIntervalSince(started) < 3 {
            for (index, connection) in kept.enumerated() {
                let status = (try? connection.get("/api/v1/hang/ok").status) ?? 0
                if status == 200 { answered += 1 } else if failures.count < 10 { failures.append("kept #\(index): \(status)") }
            }
            let fresh = (try? host.anonymous.send("GET", "/health", timeout: 2).status) ?? 0
            if fresh == 200 { answered += 1 } else if failures.count < 10 { failures.append("new connection: \(fresh)") }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(answered > 20)

        let reply = hung.readAll().bytes
        let elapsed = Date().timeIntervalSince(started)
        #expect(RawSocket.statuses(in: reply) == [504], "\(String(decoding: reply, as: UTF8.self))")
        #expect(elapsed >= 3.5, "the hung request was answered after \(elapsed) s")
        // The watchdog logs the timeout right after it answered.
        try pollUntil("the timeout is logged", timeout: 5) { host.berth.tail(200).contains("handler timed out") }
    }

    @Test(arguments: ["/slow", "/slow-async"])
    func aSlowHandlerWhoseThreadIsTakenOverStillAnswersOnItsKeptConnection(_ route: String) throws {
        let host = try SupervisedHost(workers: 1, environment: ["BERTH_THREADS": "1"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.make(id: "hang_fixture", product: "FixtureHangAddon", mountPrefix: "/api/v1/hang"), id: "hang_fixture")
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 1 && (try? host.anonymous.send("GET", "/api/v1/hang/ok").status) == 200 }
        let kept = try (0 ..< 4).map { _ in try KeptConnection(port: host.berth.port) }
        let slow = try KeptConnection(port: host.berth.port)
        for connection in kept + [slow] { #expect(try connection.get("/api/v1/hang/ok").status == 200) }

        for attempt in 1 ... 3 {
            #expect(slow.socket.send("GET /api/v1/hang\(route) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
            // The other connections are answered while the slow handler holds its thread.
            for (index, connection) in kept.enumerated() {
                let status = (try? connection.get("/api/v1/hang/ok").status) ?? 0
                #expect(status == 200, "attempt \(attempt), kept connection #\(index): \(status)")
            }
            let answer = try slow.read()
            #expect(answer.status == 200 && answer.body == String(route.dropFirst()), "attempt \(attempt): \(answer)")
            // The connection goes on: its next request is served as usual.
            #expect(try slow.get("/api/v1/hang/ok").status == 200)
        }
        // The answers above came through the takeover: the worker counts and logs it.
        try pollUntil("the worker logs its takeovers", timeout: 5) { host.berth.tail(200).contains("threads taken over") }
    }

    @Test func aCrashingHandlerCostsOnlyItsOwnRequestOnItsPollingThread() throws {
        let host = try SupervisedHost(workers: 1, environment: ["BERTH_THREADS": "1", "BERTH_QUARANTINE_CRASHES": "10"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.make(id: "segfault_fixture", product: "FixtureSegfaultAddon", mountPrefix: "/api/v1/segfault"), id: "segfault_fixture")
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 1 && (try? host.anonymous.send("GET", "/api/v1/segfault/ok").status) == 200 }

        let kept = try (0 ..< 6).map { _ in try KeptConnection(port: host.berth.port) }
        for connection in kept { #expect(try connection.get("/api/v1/segfault/ok").status == 200) }
        let before = host.workerPIDs()

        let crash = try host.anonymous.send("GET", "/api/v1/segfault/crash", timeout: 15)
        #expect(crash.status == 502, "\(crash.status) \(crash.text)")
        #expect(crash.errorCode == "addon_crashed")

        // The crashed worker drains: each connection it kept open gets its next request answered
        // (with `Connection: close`), on the polling thread that took over from the parked one.
        for (index, connection) in kept.enumerated() {
            let status = (try? connection.get("/api/v1/segfault/ok").status) ?? 0
            #expect(status == 200, "kept connection #\(index) after the crash: \(status)")
        }
        try pollUntil("a replacement worker serves", timeout: 15) { !host.workerPIDs().subtracting(before).isEmpty }
        #expect(try host.anonymous.send("GET", "/api/v1/segfault/ok").status == 200)
    }
}

/// A kept-alive HTTP/1.1 connection on which a test sends one request after another.
private final class KeptConnection {
    let socket: RawSocket

    init(port: Int) throws {
        socket = try RawSocket(port: port, timeoutSeconds: 2)
    }

    /// Sends `GET path` and reads the response (its head and its `Content-Length` body).
    func get(_ path: String) throws -> (status: Int, body: String) {
        guard socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") else { throw RawSocketError("send failed") }
        return try read()
    }

    /// Reads one response (its head and its `Content-Length` body).
    func read() throws -> (status: Int, body: String) {
        let path = "the request"
        guard let head = socket.readHead() else { throw RawSocketError("no answer to \(path)") }
        let status = RawSocket.statuses(in: Array(head.utf8)).first ?? 0
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while body.count < length {
            let count = chunk.withUnsafeMutableBytes { recv(socket.descriptor, $0.baseAddress, min($0.count, length - body.count), 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw RawSocketError("body of \(path) cut short") }
            body += chunk[..<count]
        }
        return (status, String(decoding: body, as: UTF8.self))
    }
}
