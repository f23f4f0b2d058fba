import BerthHTTP
import PluginAPI
import Synchronization
import Testing

/// Replacing routes while requests flow.
struct RouteSwapTests {
    /// Counters shared between the client threads and the test.
    final class Tally: Sendable {
        let succeeded = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
    }

    @Test func swappingTablesAHundredTimesUnderLoadNeverFailsAnUntouchedRoute() async throws {
        var withoutB = RoutingTable()
        try withoutB.add(.get, "/a", owner: "host", handler: immediate("a"))
        var withB = withoutB
        try withB.add(.get, "/b", owner: "addon", handler: immediate("b"))
        let server = HTTPServer(configuration: ServerConfiguration(port: 0, threads: 2), routes: withoutB)
        try server.start()
        defer { server.stop() }
        let port = server.port
        let tally = Tally()

        let clients = (0..<3).map { _ in
            Task {
                try await onThread {
                    var connection = try RawHTTPConnection(port: port)
                    while !tally.done.load(ordering: .relaxed) {
                        do {
                            let response = try connection.request("/a")
                            if response.status == 200 && response.text == "a" {
                                tally.succeeded.wrappingAdd(1, ordering: .relaxed)
                            } else {
                                tally.failed.wrappingAdd(1, ordering: .relaxed)
                            }
                        } catch {
                            tally.failed.wrappingAdd(1, ordering: .relaxed)
                            connection = try RawHTTPConnection(port: port)
                        }
                    }
                }
            }
        }

        for round in 0..<100 {
            if round.isMultiple(of: 2) {
                server.replaceRoutes(withB)
            } else {
                server.updateRoutes { $0.removeAll(owner: "addon") }
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        try server.updateRoutes { try $0.add(.get, "/b", owner: "addon", handler: immediate("b")) }
        tally.done.store(true, ordering: .relaxed)
        for client in clients { try await client.value }

        #expect(tally.failed.load(ordering: .relaxed) == 0)
        #expect(tally.succeeded.load(ordering: .relaxed) > 100)
        let b = try await onThread { try RawHTTPConnection(port: port).request("/b") }
        #expect(b.text == "b")
        #expect(server.routes.owners == ["host", "addon"])
    }

    @Test func aFailedUpdateLeavesTheTableAsItWas() throws {
        var routes = RoutingTable()
        try routes.add(.get, "/a", owner: "host", handler: immediate("a"))
        let server = HTTPServer(configuration: ServerConfiguration(port: 0), routes: routes)
        #expect(throws: RoutingError.self) {
            try server.updateRoutes { table in
                try table.add(.get, "/new", owner: "addon", handler: immediate(""))
                try table.add(.get, "/a", owner: "addon", handler: immediate(""))
            }
        }
        #expect(server.routes.owners == ["host"])
    }
}
