import BerthHTTP
import CMicroHTTPD
import Glibc
import PluginAPI
import Testing

/// A handler sees the client's numeric address, and the IPv4 text the server writes by hand is the
/// one `inet_ntop` would write.
struct ClientAddressTests {
    @Test func aHandlerSeesTheLoopbackClientAsItsDottedAddress() async throws {
        let server = try TestServer.start { routes in
            try routes.add(.get, "/sync", owner: "test", immediate: { request in .text(request.remoteAddress) })
            try routes.add(.get, "/async", owner: "test") { request, _ in
                await Task.yield()
                return .text(request.remoteAddress)
            }
        }
        defer { server.stop() }
        let port = server.port
        let texts = try await onThread {
            let connection = try RawHTTPConnection(port: port)
            return try [connection.request("/sync").text, connection.request("/async").text]
        }
        #expect(texts == ["127.0.0.1", "127.0.0.1"])
    }

    @Test func theIPv4TextMatchesInetNtopForEveryOctetWidth() {
        var generator = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = [[0, 0, 0, 0], [255, 255, 255, 255], [9, 10, 99, 100], [1, 20, 3, 240], [127, 0, 0, 1], [100, 0, 10, 0]]
        for _ in 0 ..< 2000 { cases.append((0 ..< 4).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }) }
        for octets in cases {
            var ours = [CChar](repeating: 0, count: 16)
            var theirs = [CChar](repeating: 0, count: 16)
            let length = octets.withUnsafeBufferPointer { berth_format_ipv4($0.baseAddress, &ours) }
            _ = octets.withUnsafeBufferPointer { inet_ntop(AF_INET, $0.baseAddress, &theirs, 16) }
            let expected = Self.text(theirs)
            #expect(Self.text(ours) == expected, "\(octets)")
            #expect(length == expected.utf8.count)
            #expect(ours[length] == 0, "the text is NUL-terminated")
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
