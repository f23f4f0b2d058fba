import BerthHTTP
import PluginAPI
import Testing

/// Every framing check the first request of a connection gets (``RequestFramingTests``) holds for a
/// later request on the same kept-alive connection, which reaches libmicrohttpd without the
/// connection gate's look at its raw head: one well-formed JSON refusal, and the connection closed.
/// Both server modes: libmicrohttpd's thread pool and the polling lanes `berth serve` runs.
struct KeptAliveFramingTests {
    static func server(lanes: Bool) throws -> HTTPServer {
        try TestServer.start(configure: { $0.takesOverBlockedThreads = lanes }) { routes in
            try routes.add(.get, "/hello", owner: "test", immediate: { _ in .text("hello") })
            try routes.add(.post, "/echo", owner: "test", immediate: { request in Response(status: 200, body: request.body) })
            try routes.add(.get, "/items/:id", owner: "test", immediate: { request in .text(request.parameters["id"] ?? "") })
        }
    }

    /// What came back for `head` sent after a first request that was answered 200 on the same
    /// connection: the statuses of every response head, the text, and whether the server closed.
    static func afterAValidRequest(_ head: String, lanes: Bool) async throws -> (statuses: [Int], text: String, closed: Bool) {
        let server = try server(lanes: lanes)
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        return try await onThread {
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            let first = try connection.request("/hello")
            try connection.send(Array(head.utf8))
            let (bytes, closed) = connection.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            let statuses = [first.status] + text.components(separatedBy: "HTTP/1.").dropFirst().compactMap { Int($0.dropFirst(2).prefix(3)) }
            return (statuses, text, closed)
        }
    }

    static let cases: [(index: Int, lanes: Bool)] = RequestFramingTests.refusedHeads.indices.flatMap { [($0, false), ($0, true)] }

    @Test(arguments: cases.indices)
    func aBadLaterRequestOnAKeptAliveConnectionGetsTheSameSingleRefusalAsAFirstOne(caseIndex: Int) async throws {
        let (index, lanes) = Self.cases[caseIndex]
        let (label, head, status, code) = RequestFramingTests.refusedHeads[index]
        let reply = try await Self.afterAValidRequest(head, lanes: lanes)
        let mode = lanes ? "polling lanes" : "thread pool"
        #expect(reply.statuses == [200, status], "\(label) (\(mode)): \(reply.text)")
        #expect(reply.text.contains("\"code\":\"\(code)\""), "\(label) (\(mode)): \(reply.text)")
        #expect(reply.text.contains("Content-Type: application/json"), "\(label) (\(mode)): \(reply.text)")
        #expect(!reply.text.contains("hello"), "\(label) (\(mode)): the bad request was not served")
        #expect(reply.closed, "\(label) (\(mode)): the connection is closed after the refusal")
    }

    @Test(arguments: [false, true])
    func aQueryParameterFloodOnALaterRequestIsAnsweredAtOnce(lanes: Bool) async throws {
        let query = (0 ..< 600).map { "p\($0)=\($0)" }.joined(separator: "&")
        let reply = try await Self.afterAValidRequest("GET /hello?\(query) HTTP/1.1\r\nHost: x\r\n\r\n", lanes: lanes)
        #expect(reply.statuses == [200, 414], "\(reply.text.prefix(300))")
        #expect(reply.text.contains("\"code\":\"too_many_query_parameters\""))
        #expect(reply.closed)
    }

    @Test(arguments: [false, true])
    func tooManyHeaderFieldsOnALaterRequestAre431(lanes: Bool) async throws {
        let fields = (0 ..< 150).map { "X-Field-\($0): \($0)\r\n" }.joined()
        let reply = try await Self.afterAValidRequest("GET /hello HTTP/1.1\r\nHost: x\r\n\(fields)\r\n", lanes: lanes)
        #expect(reply.statuses == [200, 431], "\(reply.text.prefix(300))")
        #expect(reply.text.contains("\"code\":\"too_many_header_fields\""))
        #expect(reply.closed)
    }

    @Test(arguments: [false, true])
    func wellFramedLaterRequestsKeepTheirConnection(lanes: Bool) async throws {
        let server = try Self.server(lanes: lanes)
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let connection = try RawHTTPConnection(port: port)
            for _ in 0 ..< 3 {
                #expect(try connection.request("/hello").status == 200)
                #expect(try connection.request("POST", "/echo", body: Array("hello".utf8)).text == "hello")
                #expect(try connection.request("/items/a?x=%00").text == "a")
                #expect(try connection.request("/items/a", headers: [("Content-Length", "0"), ("Content-Length", "0")]).status == 200)
                try connection.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8))
                #expect(try connection.readResponse().text == "hello")
            }
        }
    }
}
