import BerthHTTP
import PluginAPI
import Testing

/// Request heads whose framing could be read two ways (request smuggling behind a proxy, RFC 9112
/// §6) or that libmicrohttpd 0.9.75 answers badly are refused with exactly one well-formed response,
/// at once, and the connection is closed.
struct RequestFramingTests {
    static func server() throws -> HTTPServer {
        try TestServer.start { routes in
            try routes.add(.get, "/hello", owner: "test", immediate: { _ in .text("hello") })
            try routes.add(.post, "/echo", owner: "test", immediate: { request in Response(status: 200, body: request.body) })
            try routes.add(.get, "/items/:id", owner: "test", immediate: { request in .text(request.parameters["id"] ?? "") })
        }
    }

    /// Sends `head` raw on a fresh connection and reads everything until the server closes.
    static func exchange(_ head: String, port: Int) async throws -> (statuses: [Int], text: String, closed: Bool) {
        try await onThread {
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            try connection.send(Array(head.utf8))
            let (bytes, closed) = connection.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
            return (statuses, text, closed)
        }
    }

    static let refusedHeads: [(label: String, head: String, status: Int, code: String)] = [
        ("Content-Length with Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "conflicting_framing"),
        ("two differing Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "conflicting_content_length"),
        ("whitespace before the colon", "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400, "invalid_header_field"),
        ("whitespace before the colon of Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", 400, "invalid_header_field"),
        ("HTTP/1.1 without Host", "GET /hello HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "missing_host"),
        ("two Host fields", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "duplicate_host"),
        ("an unknown transfer coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported_transfer_coding"),
        ("chunked not last", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501, "unsupported_transfer_coding"),
        ("a malformed Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n", 400, "malformed_content_length"),
        ("a negative Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, "malformed_content_length"),
        ("a Content-Length list", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400, "malformed_content_length"),
        ("an encoded NUL in the path", "GET /items/greeter%00x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_path"),
        ("a raw NUL in the path", "GET /items/greeter\u{0}x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_path"),
        ("obsolete line folding", "GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\n", 400, "obsolete_line_folding"),
    ]

    @Test(arguments: refusedHeads.indices)
    func anAmbiguousOrMalformedHeadGetsExactlyOneRefusalAndTheConnectionCloses(index: Int) async throws {
        let server = try Self.server()
        defer { server.stop(drainTimeout: .zero) }
        let (label, head, status, code) = Self.refusedHeads[index]
        let reply = try await Self.exchange(head, port: server.port)
        #expect(reply.statuses == [status], "\(label): \(reply.text)")
        #expect(reply.text.contains("\"code\":\"\(code)\""), "\(label): \(reply.text)")
        #expect(reply.closed, "\(label): the connection is closed after the refusal")
    }

    @Test func hundredsOfQueryParametersAreAnsweredAtOnce() async throws {
        let server = try Self.server()
        defer { server.stop(drainTimeout: .zero) }
        let query = (0 ..< 600).map { "p\($0)=\($0)" }.joined(separator: "&")
        let reply = try await Self.exchange("GET /hello?\(query) HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
        #expect(reply.statuses == [414], "\(reply.text.prefix(300))")
        #expect(reply.text.contains("too_many_query_parameters"))
        #expect(reply.closed)
    }

    @Test func wellFramedRequestsStillPassAndKeepTheirConnection() async throws {
        let server = try Self.server()
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let connection = try RawHTTPConnection(port: port)
            #expect(try connection.request("/hello").status == 200)
            #expect(try connection.request("POST", "/echo", body: Array("hello".utf8)).text == "hello")
            let query = (0 ..< 200).map { "p\($0)=\($0)" }.joined(separator: "&")
            #expect(try connection.request("/hello?\(query)").status == 200)
            // A NUL encoded in the query is data, not part of the path.
            #expect(try connection.request("/items/a?x=%00").text == "a")
            #expect(try connection.request("/items/a", headers: [("Content-Length", "0"), ("Content-Length", "0")]).status == 200)
            try connection.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8))
            #expect(try connection.readResponse().text == "hello")
            // HTTP/1.0 needs no Host.
            try connection.send(Array("GET /hello HTTP/1.0\r\n\r\n".utf8))
            #expect(try connection.readResponse().status == 200)
        }
    }

    static let keptAliveRefusals: [(head: String, status: Int, code: String)] = [
        ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "conflicting_framing"),
        ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "conflicting_content_length"),
        ("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported_transfer_coding"),
        ("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, "unsupported_transfer_coding"),
    ]

    @Test(arguments: keptAliveRefusals.indices)
    func aLaterRequestWithABodyOnAKeptAliveConnectionIsCheckedToo(index: Int) async throws {
        let server = try Self.server()
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        let (head, status, code) = Self.keptAliveRefusals[index]
        try await onThread {
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            #expect(try connection.request("/hello").status == 200)
            try connection.send(Array(head.utf8))
            let (bytes, closed) = connection.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) } == [status], "\(text)")
            #expect(text.contains("\"code\":\"\(code)\""), "\(text)")
            #expect(closed)
        }
    }

    @Test func aLaterRequestOnAKeptAliveConnectionWithANulInItsPathIs400() async throws {
        let server = try Self.server()
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            #expect(try connection.request("/items/a").text == "a")
            try connection.send(Array("GET /items/greeter%00x HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let (bytes, closed) = connection.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 400"), "\(text)")
            #expect(text.contains("invalid_path"))
            #expect(!text.contains("greeter"), "the path was not cut at the NUL and served")
            #expect(closed)
        }
    }

    @Test func aLaterRequestOnAKeptAliveConnectionWithHundredsOfParametersIsAnsweredAtOnce() async throws {
        let server = try Self.server()
        defer { server.stop(drainTimeout: .zero) }
        let port = server.port
        try await onThread {
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            #expect(try connection.request("/hello").status == 200)
            let query = (0 ..< 600).map { "p\($0)=\($0)" }.joined(separator: "&")
            try connection.send(Array("GET /hello?\(query) HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let (bytes, closed) = connection.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) } == [414], "\(text.prefix(300))")
            #expect(text.contains("too_many_query_parameters"))
            #expect(closed)
        }
    }
}
