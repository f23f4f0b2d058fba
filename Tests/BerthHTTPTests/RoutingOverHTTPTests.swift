import BerthHTTP
import PluginAPI
import Testing

/// Routing, query decoding and error bodies as a client sees them over HTTP.
struct RoutingOverHTTPTests {
    private func startServer() throws -> HTTPServer {
        try TestServer.start { routes in
            try routes.add(.get, "/users/:id/posts/:post", owner: "test") { request, _ in
                .text("\(request.parameters["id"]!)/\(request.parameters["post"]!)")
            }
            try routes.add(.get, "/static/*", owner: "test") { request, _ in .text(request.parameters["*"]!) }
            try routes.add(.get, "/echo", owner: "test") { request, _ in
                let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "|")
                return .text("\(request.path) \(query) \(request.headers["X-Test"] ?? "-")")
            }
            try routes.add(.get, "/hello", owner: "test", handler: immediate("hello"))
            try routes.add(.get, "/headers", owner: "test") { request, _ in
                .text(request.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "|"))
            }
        }
    }

    @Test func everyRequestHeaderReachesTheHandlerInOrder() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let sent = (1...20).map { ("X-Field-\($0)", String(repeating: "v", count: $0)) }
        let response = try await onThread { try RawHTTPConnection(port: port).request("/headers", headers: sent) }
        let expected = [("Host", "127.0.0.1")] + sent
        #expect(response.text == expected.map { "\($0.0)=\($0.1)" }.joined(separator: "|"))
    }

    @Test func pathParametersReachTheHandler() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/users/42/posts/7") }
        #expect(response.status == 200)
        #expect(response.text == "42/7")
    }

    @Test func aTrailingWildcardReceivesTheRestOfThePath() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("/static/css/site.css") }
        #expect(response.text == "css/site.css")
    }

    @Test func theQueryIsDecodedAndSeparatedFromThePath() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            try RawHTTPConnection(port: port).request("/echo?a=1&b=hello+world&c=%2Fx%20y&flag", headers: [("X-Test", "yes")])
        }
        #expect(response.text == "/echo a=1|b=hello world|c=/x y|flag= yes")
    }

    @Test func anUnknownPathAnswers404WithAJSONErrorAndKeepsTheConnection() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let (missing, after) = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return (try connection.request("/nope"), try connection.request("/hello"))
        }
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/json")
        #expect(missing.text == #"{"error":{"code":"not_found","message":"No route for GET /nope."}}"#)
        #expect(missing.header("Connection")?.lowercased() != "close")
        #expect(after.text == "hello")
    }

    @Test func aKnownPathWithAnotherMethodAnswers405WithAJSONErrorAndAllow() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("DELETE", "/hello") }
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(response.text.hasPrefix(#"{"error":{"code":"method_not_allowed","message":"#))
    }

    @Test func anUnknownPathWithABodyIsRefusedBeforeTheBodyIsRead() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            // Announce a body but never send it: only an answer on the first call can arrive.
            try connection.send(Array("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8))
            return try connection.readResponse()
        }
        #expect(response.status == 404)
        #expect(response.header("Connection")?.lowercased() == "close")
    }

    @Test func headIsAnsweredByTheGetRouteWithoutABody() async throws {
        let server = try startServer()
        defer { server.stop() }
        let port = server.port
        let (head, next) = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return (try connection.request("HEAD", "/hello"), try connection.request("/hello"))
        }
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "5")
        #expect(head.body.isEmpty)
        #expect(next.text == "hello")
    }
}
