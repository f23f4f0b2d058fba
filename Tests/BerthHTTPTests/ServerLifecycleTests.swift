import BerthHTTP
import Foundation
import PluginAPI
import Synchronization
import Testing

/// Starting, and stopping with handlers in flight.
struct ServerLifecycleTests {
    /// Set by a handler once it runs, so a test knows its connection is suspended.
    final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    private func waitUntil(_ flag: Flag) async throws {
        for _ in 0..<500 where !flag.raised.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let raised = flag.raised.load(ordering: .acquiring)
        try #require(raised)
    }

    @Test func stoppingWhileAHandlerIsSuspendedCompletesAndTheClientGetsA503OrACleanClose() async throws {
        let started = Flag()
        let server = try TestServer.start { routes in
            try routes.add(.get, "/stuck", owner: "test") { _, _ in
                started.raised.store(true, ordering: .releasing)
                try? await Task.sleep(for: .seconds(30))
                return .text("too late")
            }
        }
        let port = server.port
        async let outcome = onThread { () -> Result<TestResponse, RawHTTPConnection.Failure> in
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 20)
            do {
                return .success(try connection.request("/stuck"))
            } catch let failure as RawHTTPConnection.Failure {
                return .failure(failure)
            }
        }
        try await waitUntil(started)

        let elapsed = try await onThread { ContinuousClock().measure { server.stop(drainTimeout: .milliseconds(200)) } }
        #expect(elapsed < .seconds(3))
        switch try await outcome {
        case .success(let response):
            #expect(response.status == 503)
            #expect(response.text.contains(#""code":"shutting_down""#))
        case .failure(let failure):
            #expect(failure == .closed)
        }
    }

    @Test func stoppingLetsAHandlerThatFinishesWithinTheDrainTimeoutAnswer() async throws {
        let started = Flag()
        let server = try TestServer.start { routes in
            try routes.add(.get, "/slow", owner: "test") { _, _ in
                started.raised.store(true, ordering: .releasing)
                try? await Task.sleep(for: .milliseconds(300))
                return .text("done")
            }
        }
        let port = server.port
        async let response = onThread { try RawHTTPConnection(port: port).request("/slow") }
        try await waitUntil(started)

        let elapsed = try await onThread { ContinuousClock().measure { server.stop(drainTimeout: .seconds(5)) } }
        let answered = try await response
        #expect(answered.status == 200)
        #expect(answered.text == "done")
        #expect(answered.header("Connection")?.lowercased() == "close")
        #expect(elapsed < .seconds(3))
    }

    @Test func aStoppedServerNoLongerAcceptsConnections() async throws {
        let server = try TestServer.start { try $0.add(.get, "/", owner: "test", handler: immediate("up")) }
        let port = server.port
        #expect(try await onThread { try RawHTTPConnection(port: port).request("/") }.text == "up")
        server.stop()
        await #expect(throws: RawHTTPConnection.Failure.self) {
            try await onThread { _ = try RawHTTPConnection(port: port) }
        }
    }

    @Test func startingOnAPortInUseThrowsAddressInUseWithItsErrno() throws {
        let first = try TestServer.start { _ in }
        defer { first.stop() }
        let second = HTTPServer(configuration: ServerConfiguration(port: first.port), routes: RoutingTable())
        let error = #expect(throws: HTTPServerError.self) { try second.start() }
        #expect(error?.code == .addressInUse)
        #expect(error?.errno == EADDRINUSE)
        #expect(second.port == 0)
    }

    @Test func anEphemeralPortIsResolved() throws {
        let server = try TestServer.start { _ in }
        defer { server.stop() }
        #expect(server.port > 0)
    }
}
