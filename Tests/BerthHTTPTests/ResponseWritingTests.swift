import BerthHTTP
import PluginAPI
import Testing

/// What the server writes for a handler's response.
struct ResponseWritingTests {
    @Test func aHandlersStatusAndHeadersReachTheClientWithAComputedContentLength() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.post, "/items", owner: "test") { _, _ in
                Response(status: 201, headers: ["Location": "/items/9", "X-Custom": "yes", "Content-Length": "999"], body: Array("created".utf8))
            }
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("POST", "/items", body: []) }
        #expect(response.status == 201)
        #expect(response.header("Location") == "/items/9")
        #expect(response.header("X-Custom") == "yes")
        #expect(response.header("Content-Length") == "7")
        #expect(response.text == "created")
    }

    @Test func anEmptyResponseKeepsTheConnectionUsable() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.delete, "/items/:id", owner: "test") { _, _ in Response(status: 204) }
            try routes.add(.get, "/empty", owner: "test") { _, _ in Response(status: 200) }
        }
        defer { server.stop() }
        let port = server.port
        let responses = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return [try connection.request("DELETE", "/items/3"), try connection.request("/empty"), try connection.request("/empty")]
        }
        #expect(responses.map(\.status) == [204, 200, 200])
        #expect(responses.allSatisfy { $0.body.isEmpty })
    }

    @Test func anOutOfRangeStatusBecomesA500() async throws {
        let server = try TestServer.start { try $0.add(.get, "/odd", owner: "test") { _, _ in Response(status: 42) } }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/odd") }
        #expect(response.status == 500)
    }
}
