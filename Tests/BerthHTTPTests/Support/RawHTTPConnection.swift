#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over one TCP connection, so tests control exactly what goes on
/// the wire (keep-alive, chunked bodies, headers without a body). Use it off the cooperative pool
/// (see `onThread`): it blocks.
final class RawHTTPConnection {
    enum Failure: Error, Equatable {
        case connectFailed(Int32)
        case sendFailed(Int32)
        /// The server closed the connection before a complete response.
        case closed
        /// Nothing arrived within the timeout.
        case timedOut
        case malformed(String)
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.connectFailed(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var yes: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // No close here: a class init that throws once every property is set still runs deinit,
        // which closes the socket; closing twice could close a descriptor another test just opened.
        guard result == 0 else { throw Failure.connectFailed(errno) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Sends `GET path` with optional headers, then reads the response.
    func request(_ path: String, headers: [(String, String)] = []) throws -> TestResponse {
        try request("GET", path, headers: headers)
    }

    /// Sends `method path` with optional headers and body, then reads the response.
    func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + (body ?? []))
        return try readResponse(expectBody: method != "HEAD")
    }

    /// Writes raw bytes; a peer that closed early yields `sendFailed` rather than SIGPIPE.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure.sendFailed(errno)
            }
            offset += sent
        }
    }

    /// Reads one response framed by Content-Length (what libmicrohttpd sends for buffer responses).
    func readResponse(expectBody: Bool = true) throws -> TestResponse {
        var headerEnd = try fill { $0.firstRange(of: [13, 10, 13, 10]) != nil }
        headerEnd = buffer.firstRange(of: [13, 10, 13, 10])!.upperBound
        let head = String(decoding: buffer[..<(headerEnd - 4)], as: UTF8.self)
        buffer.removeFirst(headerEnd)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure.malformed(head) }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces()))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        guard expectBody, status >= 200, status != 204, status != 304 else { return response }
        guard let length = response.header("Content-Length").flatMap(Int.init) else {
            throw Failure.malformed("no Content-Length in \(head)")
        }
        _ = try fill { $0.count >= length }
        response.body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return response
    }

    /// Everything the server sends until it closes the connection (or the timeout passes), with
    /// whether it closed.
    func readToEnd() -> (bytes: [UInt8], closed: Bool) {
        do {
            _ = try fill { _ in false }
            return (buffer, false)
        } catch {
            return (buffer, (error as? Failure) == .closed)
        }
    }

    /// True if the server closed the connection (reads EOF within the timeout).
    func isClosedByPeer() -> Bool {
        do {
            _ = try fill { _ in false }
            return false
        } catch {
            return (error as? Failure) == .closed
        }
    }

    @discardableResult
    private func fill(until done: ([UInt8]) -> Bool) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while !done(buffer) {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw Failure.closed }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.timedOut }
                if errno == ECONNRESET { throw Failure.closed }
                throw Failure.malformed("recv errno \(errno)")
            }
            buffer.append(contentsOf: chunk[..<count])
        }
        return buffer.count
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
