import Foundation
import Glibc

/// A minimal HTTP/1.1 client over a real TCP socket to 127.0.0.1, one request per connection, so
/// tests see exactly what the server sent.
public struct HTTPTestClient: Sendable {
    /// A response as received.
    public struct Reply: Sendable {
        /// The status code.
        public let status: Int
        /// Header fields with lowercased names.
        public let headers: [String: String]
        /// The body.
        public let body: [UInt8]

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body decoded as a JSON object (empty if it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        /// `error.code` of a JSON error body.
        public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }

        /// `error.message` of a JSON error body.
        public var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    }

    /// The port on 127.0.0.1.
    public let port: Int
    /// Sent as a bearer token when set.
    public let token: String?

    /// Creates a client for `port`.
    public init(port: Int, token: String? = nil) {
        self.port = port
        self.token = token
    }

    /// Sends one request and reads the whole response.
    public func send(_ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:], timeout: Int = 30) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ClientError("connect to port \(port): \(String(cString: strerror(errno)))") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0 ..< count]
        }
        return try Self.parse(received)
    }

    /// Sends a JSON body.
    public func sendJSON(_ method: String, _ path: String, _ object: Any) throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try send(method, path, body: Array(data), headers: ["Content-Type": "application/json"])
    }

    static func parse(_ bytes: [UInt8]) throws -> Reply {
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw ClientError("no complete response (\(bytes.count) bytes received)")
        }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError("bad status line: \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[end.upperBound...])
        if let length = headers["content-length"].flatMap(Int.init), body.count > length { body = Array(body.prefix(length)) }
        return Reply(status: status, headers: headers, body: body)
    }
}

/// A failure of the test client itself (not an HTTP error status).
public struct ClientError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
