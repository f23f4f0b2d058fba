import BerthHTTP
import PluginAPI
import Testing

/// Every response carries `X-Request-ID`: a valid incoming one is kept, anything else replaced by a
/// generated one, and the handler sees the same id the response carries.
struct RequestIDTests {
    func server() throws -> HTTPServer {
        try TestServer.start { routes in
            try routes.add(.get, "/sync", owner: "test", immediate: { request in .text(request.requestID) })
            try routes.add(.get, "/async", owner: "test") { request, _ in
                await Task.yield()
                return .text(request.requestID)
            }
            try routes.add(.post, "/small", owner: "test", bodyLimit: 2, immediate: { request in .text(request.requestID) })
            try routes.add(.post, "/body", owner: "test") { request, _ in .text(request.requestID) }
        }
    }

    @Test func aValidIncomingIDIsKeptAndSeenByBothKindsOfHandler() async throws {
        let server = try server()
        defer { server.stop() }
        let port = server.port
        let id = "client:trace-1.a_b"
        let responses = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return try [
                connection.request("/sync", headers: [("X-Request-ID", id)]),
                connection.request("/async", headers: [("x-request-id", id)]),
                connection.request("POST", "/body", headers: [("X-Request-ID", id)], body: Array("x".utf8)),
            ]
        }
        for response in responses {
            #expect(response.header("X-Request-ID") == id)
            #expect(response.text == id)
        }
    }

    @Test(arguments: ["", "has space", "slash/no", String(repeating: "a", count: 129), "ünïcode"])
    func anInvalidIncomingIDIsReplaced(_ incoming: String) async throws {
        let server = try server()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            try RawHTTPConnection(port: port).request("/sync", headers: [("X-Request-ID", incoming)])
        }
        let sent = try #require(response.header("X-Request-ID"))
        #expect(sent != incoming)
        #expect(RequestIdentifier.isValid(sent))
        #expect(response.text == sent)
    }

    @Test func anIDOf128CharactersIsKept() async throws {
        let server = try server()
        defer { server.stop() }
        let port = server.port
        let id = String(repeating: "Z", count: 128)
        let response = try await onThread { try RawHTTPConnection(port: port).request("/sync", headers: [("X-Request-ID", id)]) }
        #expect(response.header("X-Request-ID") == id)
    }

    @Test func refusalsCarryAnIDToo() async throws {
        let server = try server()
        defer { server.stop() }
        let port = server.port
        let responses = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return try [
                connection.request("/missing"),
                connection.request("/missing", headers: [("X-Request-ID", "kept-404")]),
                connection.request("DELETE", "/sync", headers: [], body: []),
                try RawHTTPConnection(port: port).request("POST", "/small", headers: [("X-Request-ID", "kept-413")], body: Array("too long".utf8)),
                try RawHTTPConnection(port: port).request("POST", "/missing", headers: [], body: Array("body".utf8)),
            ]
        }
        #expect(responses.map(\.status) == [404, 404, 405, 413, 404])
        #expect(responses.allSatisfy { response in response.header("X-Request-ID").map { RequestIdentifier.isValid($0) } == true })
        #expect(responses[1].header("X-Request-ID") == "kept-404")
        #expect(responses[3].header("X-Request-ID") == "kept-413")
    }

    @Test func generatedIDsAreDistinctAndShort() {
        let ids = (0..<10_000).map { _ in RequestIdentifier.generate() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 15 && RequestIdentifier.isValid($0) })
    }

    @Test func aHandlersOwnRequestIDHeaderIsReplacedByTheHosts() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.get, "/own", owner: "test", immediate: { _ in Response(status: 200, headers: ["X-Request-ID": "forged"]) })
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/own", headers: [("X-Request-ID", "real")]) }
        #expect(response.headers.filter { $0.name.lowercased() == "x-request-id" }.map(\.value) == ["real"])
    }
}
