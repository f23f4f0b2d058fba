import COpenSSLTLS
import Glibc

/// The I/O of one connection, used only on its ``SocketConnection``'s queue: reads and writes
/// that wait with `poll` until ``deadline`` and fail with `provider_timed_out` past it.
/// `@unchecked Sendable`: confined to that queue.
public final class SocketChannel: @unchecked Sendable {
    var fd: Int32
    var ssl: OpaquePointer?
    var context: OpaquePointer?
    var buffer: [UInt8] = []
    var start = 0
    var deadline: ContinuousClock.Instant
    let peer: String
    /// Longest line accepted from the server.
    public var maxLineLength = 64 << 10

    init(fd: Int32, peer: String, deadline: ContinuousClock.Instant) {
        self.fd = fd
        self.peer = peer
        self.deadline = deadline
    }

    /// Whether the session is encrypted.
    public var isTLS: Bool { ssl != nil }

    static func open(host: String, port: Int, deadline: ContinuousClock.Instant) throws -> SocketChannel {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ProviderError(.connectionFailed, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let channel = SocketChannel(fd: fd, peer: "\(host):\(port)", deadline: deadline)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return channel }
            guard errno == EINPROGRESS else { lastError = String(cString: strerror(errno)); channel.close(); continue }
            do {
                try channel.wait(Int16(POLLOUT), "connecting")
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 { return channel }
                lastError = String(cString: strerror(error))
                channel.close()
            } catch {
                channel.close()
                throw error
            }
        }
        throw ProviderError(.connectionFailed, "cannot connect to \(host):\(port): \(lastError)")
    }

    /// Waits until the socket is ready for `events` or the deadline passes.
    func wait(_ events: Int16, _ what: String) throws {
        while true {
            let left = deadline - .now
            let milliseconds = Int32(clamping: max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            if left <= .zero { throw ProviderError(.timedOut, "\(peer): timed out \(what)") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, max(1, milliseconds))
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw ProviderError(.connectionFailed, "\(peer): poll failed: \(String(cString: strerror(errno)))") }
        }
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written: Int = bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + offset
                if let ssl { return Int(SSL_write(ssl, base, Int32(min(raw.count - offset, Int(Int32.max))))) }
                return Glibc.send(fd, base, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 { offset += written; continue }
            try handleShortIO(Int(written), "writing")
        }
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Reads what is available (at least one byte) into the buffer.
    func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count: Int = chunk.withUnsafeMutableBytes { raw in
                if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
                return Glibc.recv(fd, raw.baseAddress, raw.count, 0)
            }
            if count > 0 { buffer.append(contentsOf: chunk[0..<count]); return }
            if count == 0, ssl == nil { throw ProviderError(.connectionFailed, "\(peer) closed the connection") }
            try handleShortIO(count, "reading")
        }
    }

    /// After a read or write that moved nothing: waits for readiness or throws.
    func handleShortIO(_ result: Int, _ what: String) throws {
        if let ssl {
            switch SSL_get_error(ssl, Int32(result)) {
            case SSL_ERROR_WANT_READ: try wait(Int16(POLLIN), what)
            case SSL_ERROR_WANT_WRITE: try wait(Int16(POLLOUT), what)
            case SSL_ERROR_ZERO_RETURN: throw ProviderError(.connectionFailed, "\(peer) closed the TLS session")
            default: throw ProviderError(.tlsFailed, "\(peer): TLS \(what) failed: \(Self.drainErrors())")
            }
            return
        }
        switch errno {
        case EAGAIN, EWOULDBLOCK: try wait(Int16(what == "reading" ? POLLIN : POLLOUT), what)
        case EINTR: return
        default: throw ProviderError(.connectionFailed, "\(peer): \(what) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// One line without its CRLF.
    public func readLine() throws -> [UInt8] {
        compact()
        var scanned = start
        while true {
            while scanned + 1 < buffer.count {
                if buffer[scanned] == 13, buffer[scanned + 1] == 10 {
                    let line = Array(buffer[start..<scanned])
                    start = scanned + 2
                    return line
                }
                scanned += 1
            }
            if buffer.count - start > maxLineLength { throw ProviderError(.protocolViolation, "\(peer) sent a line longer than \(maxLineLength) bytes") }
            try fill()
        }
    }

    /// Exactly `count` bytes.
    public func read(exactly count: Int) throws -> [UInt8] {
        compact()
        while buffer.count - start < count { try fill() }
        let bytes = Array(buffer[start..<start + count])
        start += count
        return bytes
    }

    /// Drops consumed bytes (only between reads: offsets into the buffer stay valid during one).
    func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 << 10 {
            buffer.removeFirst(start)
            start = 0
        }
    }

    /// Upgrades the connection to TLS (implicit TLS, or after STARTTLS), verifying the server's
    /// certificate chain and name.
    public func startTLS(_ options: TLSOptions, host: String) throws {
        guard buffer.count == start else { throw ProviderError(.protocolViolation, "\(peer) sent data before the TLS handshake") }
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw ProviderError(.tlsFailed, "cannot create a TLS context: \(Self.drainErrors())") }
        self.context = context
        _ = berth_ssl_ctx_min_tls12(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let loaded = options.caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)
        guard loaded == 1 else { throw ProviderError(.tlsFailed, "cannot load trusted certificates\(options.caFile.map { " from \($0)" } ?? ""): \(Self.drainErrors())") }
        guard let ssl = SSL_new(context) else { throw ProviderError(.tlsFailed, "cannot create a TLS session: \(Self.drainErrors())") }
        self.ssl = ssl
        let name = options.serverName ?? host
        var address = in6_addr()
        let isIP = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
        if isIP {
            _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
        } else {
            _ = berth_ssl_set_sni(ssl, name)
            _ = SSL_set1_host(ssl, name)
        }
        _ = SSL_set_fd(ssl, fd)
        while true {
            let result = SSL_connect(ssl)
            if result == 1 { return }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: try wait(Int16(POLLIN), "in the TLS handshake")
            case SSL_ERROR_WANT_WRITE: try wait(Int16(POLLOUT), "in the TLS handshake")
            default:
                let verify = SSL_get_verify_result(ssl)
                let reason = verify != X509_V_OK ? String(cString: X509_verify_cert_error_string(verify)) : Self.drainErrors()
                throw ProviderError(.tlsFailed, "TLS handshake with \(peer) failed: \(reason)")
            }
        }
    }

    func close() {
        if let ssl { SSL_free(ssl); self.ssl = nil }
        if let context { SSL_CTX_free(context); self.context = nil }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    static func drainErrors() -> String {
        var messages = [String]()
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "unknown error" : messages.joined(separator: "; ")
    }
}
