import CMicroHTTPD
#if canImport(Glibc)
import Glibc
#endif

/// The TCP socket the server accepts on.
///
/// The server binds it itself rather than letting libmicrohttpd do it, so that a failure reports the
/// real `errno` (libmicrohttpd only returns `NULL`), and so that an inherited socket and a bound one
/// take the same path through the daemon.
struct ListenSocket: Sendable {
    /// The file descriptor.
    let descriptor: Int32

    /// Whether the server closes it at stop; an inherited socket stays open for its owner, who may
    /// hand it to the next server generation.
    let owned: Bool

    /// Creates, binds and listens on a non-blocking socket for `host:port` (`port` 0 picks a free one).
    static func bind(host: String, port: Int) throws(HTTPServerError) -> ListenSocket {
        let address = try resolve(host: host, port: port)
        let descriptor: Int32
        do {
            descriptor = try SystemCallError.check("socket") {
                socket(Int32(address.family), Int32(SOCK_STREAM.rawValue) | berth_sock_cloexec | berth_sock_nonblock, 0)
            }
        } catch {
            throw HTTPServerError(code: .socketFailed, message: "Cannot create a socket for \(host):\(port).", cause: error)
        }
        do {
            var yes: Int32 = 1
            _ = try SystemCallError.check("setsockopt") {
                setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try withUnsafeBytes(of: address.storage) { raw throws(SystemCallError) in
                try SystemCallError.check("bind") {
                    Glibc.bind(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), address.length)
                }
            }
            _ = try SystemCallError.check("listen") { listen(descriptor, SOMAXCONN) }
        } catch {
            Glibc.close(descriptor)
            throw HTTPServerError(binding: "\(host):\(port)", error)
        }
        return ListenSocket(descriptor: descriptor, owned: true)
    }

    /// Takes an inherited listening socket, e.g. from a supervisor; the caller keeps ownership.
    static func adopt(_ descriptor: Int32) throws(HTTPServerError) -> ListenSocket {
        do {
            let flags = try SystemCallError.check("fcntl") { fcntl(descriptor, F_GETFL) }
            _ = try SystemCallError.check("fcntl") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
        } catch {
            throw HTTPServerError(code: .socketFailed, message: "The inherited socket \(descriptor) is not usable.", cause: error)
        }
        return ListenSocket(descriptor: descriptor, owned: false)
    }

    /// The port the socket is bound to, which resolves port 0 to the one the kernel picked.
    func boundPort() throws(HTTPServerError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        do {
            _ = try withUnsafeMutableBytes(of: &storage) { raw throws(SystemCallError) in
                try SystemCallError.check("getsockname") {
                    getsockname(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
                }
            }
        } catch {
            throw HTTPServerError(code: .socketFailed, message: "Cannot read the listening socket's address.", cause: error)
        }
        return withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port sit at the same offset, in network byte order.
            let port = raw.load(fromByteOffset: MemoryLayout<sa_family_t>.size, as: UInt16.self)
            return Int(UInt16(bigEndian: port))
        }
    }

    /// Closes the socket if the server owns it.
    func closeIfOwned() {
        if owned { Glibc.close(descriptor) }
    }

    private struct Address {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 = 0
    }

    private static func resolve(host: String, port: Int) throws(HTTPServerError) -> Address {
        guard (0...65535).contains(port) else {
            throw HTTPServerError(code: .invalidAddress, message: "The port \(port) is out of range.")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPServerError(code: .invalidAddress, message: "Cannot resolve '\(host)': \(String(cString: gai_strerror(status))).")
        }
        defer { freeaddrinfo(list) }
        var address = Address()
        address.length = first.pointee.ai_addrlen
        address.family = first.pointee.ai_family
        withUnsafeMutableBytes(of: &address.storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return address
    }
}
