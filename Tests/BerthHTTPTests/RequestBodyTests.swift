import BerthHTTP
import Foundation
import PluginAPI
import Testing

/// Buffered and spooled bodies, and their limits.
struct RequestBodyTests {
    private static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 % 251) }
    }

    @Test func aBufferedBodyWithinTheLimitReachesTheHandler() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.post, "/echo", owner: "test", body: .buffered(limit: 4096)) { request, upload in
                .text("\(request.body.count) \(request.body == RequestBodyTests.pattern(4096)) \(upload == nil)")
            }
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("POST", "/echo", body: Self.pattern(4096)) }
        #expect(response.text == "4096 true true")
    }

    @Test func aBufferedBodyOverTheLimitAnswers413WithoutReadingIt() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.post, "/echo", owner: "test", body: .buffered(limit: 1024), handler: immediate("ran"))
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n".utf8))
            return try connection.readResponse()
        }
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text == #"{"error":{"code":"payload_too_large","message":"The request body exceeds 1024 bytes."}}"#)
    }

    @Test func aChunkedBodyOverTheLimitAnswers413AndKeepsTheConnection() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.post, "/echo", owner: "test", body: .buffered(limit: 1024), handler: immediate("ran"))
        }
        defer { server.stop() }
        let port = server.port
        let (refused, next) = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            var wire = Array("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for _ in 0..<4 { wire += Array("400\r\n".utf8) + Self.pattern(1024) + Array("\r\n".utf8) }
            wire += Array("0\r\n\r\n".utf8)
            try connection.send(wire)
            let refused = try connection.readResponse()
            return (refused, try connection.request("POST", "/echo", body: [1, 2, 3]))
        }
        #expect(refused.status == 413)
        #expect(refused.text.contains(#""code":"payload_too_large""#))
        #expect(next.text == "ran")
    }

    @Test func aSpooledBodyOfSeveralMegabytesLandsInAFileThatIsDeletedAfterwards() async throws {
        let spool = try TestServer.makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let size = 5 * 1024 * 1024 + 17
        let server = try TestServer.start(configure: { $0.spoolDirectory = spool }) { routes in
            try routes.add(.put, "/upload", owner: "test", body: .spooled(limit: 8 << 20)) { request, upload in
                guard let upload, let content = FileManager.default.contents(atPath: upload.path) else {
                    return .text("no file", status: 500)
                }
                let intact = content.elementsEqual(RequestBodyTests.pattern(size))
                return .text("\(upload.path) \(upload.size) \(content.count) \(intact) \(request.body.isEmpty)")
            }
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread { try RawHTTPConnection(port: port).request("PUT", "/upload", body: Self.pattern(size)) }
        let fields = response.text.split(separator: " ").map(String.init)
        #expect(response.status == 200)
        #expect(fields.count == 5)
        guard fields.count == 5 else { return }
        #expect(fields[0].hasPrefix(spool + "/"))
        #expect(fields[1...] == ["\(size)", "\(size)", "true", "true"])
        #expect(!FileManager.default.fileExists(atPath: fields[0]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test func aSpooledBodyOverTheLimitLeavesNoFileBehind() async throws {
        let spool = try TestServer.makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let server = try TestServer.start(configure: { $0.spoolDirectory = spool }) { routes in
            try routes.add(.put, "/upload", owner: "test", body: .spooled(limit: 64 * 1024), handler: immediate("ran"))
        }
        defer { server.stop() }
        let port = server.port
        let response = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            var wire = Array("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for _ in 0..<40 { wire += Array("1000\r\n".utf8) + Self.pattern(4096) + Array("\r\n".utf8) }
            wire += Array("0\r\n\r\n".utf8)
            try connection.send(wire)
            return try connection.readResponse()
        }
        #expect(response.status == 413)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }
}
