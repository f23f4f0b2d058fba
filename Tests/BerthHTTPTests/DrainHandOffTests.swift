@testable import BerthHTTP
import Foundation
import PluginAPI
import Synchronization
import Testing

/// A stop serves the requests whose heads the gate has already handed over, however long the
/// polling thread takes to reach them.
struct DrainHandOffTests {
    final class Flags: Sendable {
        let blocking = Atomic<Bool>(false)
        let release = Atomic<Bool>(false)
    }

    private func poll(_ what: String, timeout: Duration = .seconds(10), until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func aRequestHandedOverWhileItsPollingThreadIsBusyIsServedByTheDrainNotRefused() async throws {
        let flags = Flags()
        let server = try TestServer.start(configure: { $0.threads = 1 }) { routes in
            try routes.add(.get, "/hello", owner: "test", immediate: { _ in .text("hello") })
        }
        let context = server.context
        // Synchronous, so it holds the only polling thread until the test lets go. It does not count
        // as active while it blocks: it stands for a polling thread busy outside any request
        // (preempted on a loaded machine, or in libmicrohttpd's own work), which a drain that
        // waited on active requests and a quiet period took for "every request has started".
        try server.updateRoutes { routes in
            try routes.add(.get, "/block", owner: "test", immediate: { _ in
                context.activeRequests.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                defer { context.activeRequests.wrappingAdd(1, ordering: .sequentiallyConsistent) }
                flags.blocking.store(true, ordering: .releasing)
                let deadline = ContinuousClock.now + .seconds(10)
                while !flags.release.load(ordering: .acquiring) && ContinuousClock.now < deadline { usleep(1000) }
                return .text("blocked")
            })
        }
        let port = server.port
        let ledger = context.connections
        async let blocked = onThread { try RawHTTPConnection(port: port).request("/block") }
        try await poll("the blocking handler runs") { flags.blocking.load(ordering: .acquiring) }

        async let fresh = onThread { try RawHTTPConnection(port: port).request("/hello", headers: [("Connection", "close")]) }
        try await poll("the fresh connection is handed over") { ledger.unstartedCount == 1 }
        let gate = try #require(server.lifecycle.withLock { $0.gate })
        try await poll("the hand-over is 200 ms old") { !gate.handedOver(within: .milliseconds(200)) }

        async let stopped = onThread { ContinuousClock().measure { server.stop(drainTimeout: .seconds(8)) } }
        try await poll("the stop is draining") { context.draining.load(ordering: .acquiring) }
        // What must not happen is watched for a while: the drain giving up on the handed-over request.
        let watchEnd = ContinuousClock.now + .milliseconds(300)
        while ContinuousClock.now < watchEnd && !context.refusing.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(2))
        }
        let refusedEarly = context.refusing.load(ordering: .acquiring)
        #expect(!refusedEarly, "the drain refused before the handed-over request started")
        flags.release.store(true, ordering: .releasing)

        let first = try await blocked
        let second = try await fresh
        #expect(first.status == 200 && first.text == "blocked")
        #expect(second.status == 200 && second.text == "hello", "\(second.status) \(second.text)")
        #expect(ledger.unstartedCount == 0)
        #expect(try await stopped < .seconds(5))
    }

    @Test func aConnectionClosedBeforeItsFirstRequestStartsIsNotWaitedFor() async throws {
        let flags = Flags()
        let server = try TestServer.start(configure: { $0.threads = 1 }) { routes in
            try routes.add(.get, "/block", owner: "test", immediate: { _ in
                flags.blocking.store(true, ordering: .releasing)
                let deadline = ContinuousClock.now + .seconds(10)
                while !flags.release.load(ordering: .acquiring) && ContinuousClock.now < deadline { usleep(1000) }
                return .text("blocked")
            })
            try routes.add(.get, "/hello", owner: "test", immediate: { _ in .text("hello") })
        }
        let port = server.port
        let ledger = server.context.connections
        async let blocked = onThread { try RawHTTPConnection(port: port).request("/block") }
        try await poll("the blocking handler runs") { flags.blocking.load(ordering: .acquiring) }

        // Sends a head and leaves before the polling thread reads it.
        try await onThread {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(Array("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        }
        try await poll("the departed connection is handed over") { ledger.unstartedCount == 1 }
        flags.release.store(true, ordering: .releasing)
        #expect(try await blocked.status == 200)
        try await poll("its close or its request clears it") { ledger.unstartedCount == 0 }

        let elapsed = try await onThread { ContinuousClock().measure { server.stop(drainTimeout: .seconds(8)) } }
        #expect(elapsed < .seconds(2))
    }
}
