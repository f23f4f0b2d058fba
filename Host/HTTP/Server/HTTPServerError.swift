#if canImport(Glibc)
import Glibc
#endif

/// Why the server could not start.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case addressInUse = "address_in_use"
            case permissionDenied = "permission_denied"
            case invalidAddress = "invalid_address"
            case socketFailed = "socket_failed"
            case daemonFailed = "daemon_failed"
            case alreadyStarted = "already_started"
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// Another socket is bound to the address and port (`EADDRINUSE`).
        public static let addressInUse = Code(.addressInUse)
        /// The process may not bind there, e.g. a port below 1024 (`EACCES`).
        public static let permissionDenied = Code(.permissionDenied)
        /// The host does not resolve, is not local, or the port is out of range.
        public static let invalidAddress = Code(.invalidAddress)
        /// Another socket call failed; see ``HTTPServerError/errno``.
        public static let socketFailed = Code(.socketFailed)
        /// libmicrohttpd refused to start (threads, epoll or option limits).
        public static let daemonFailed = Code(.daemonFailed)
        /// ``HTTPServer/start()`` was called twice.
        public static let alreadyStarted = Code(.alreadyStarted)

        /// The code as a snake_case string.
        public var description: String { kind.rawValue }
    }

    /// The kind of failure.
    public let code: Code

    /// A message for people, naming the address involved.
    public let message: String

    /// The `errno` of the failed system call, when one failed.
    public let errno: Int32?

    /// The underlying error, if any.
    public let cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, errno: Int32? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    init(code: Code, message: String, cause: SystemCallError) {
        self.init(code: code, message: "\(message) \(cause)", errno: cause.code, cause: cause)
    }

    /// Classifies a failure while binding, so callers can tell "port in use" from the rest.
    init(binding address: String, _ error: SystemCallError) {
        switch error.code {
        case EADDRINUSE: self.init(code: .addressInUse, message: "\(address) is already in use.", cause: error)
        case EACCES: self.init(code: .permissionDenied, message: "Not allowed to listen on \(address).", cause: error)
        case EADDRNOTAVAIL: self.init(code: .invalidAddress, message: "\(address) is not a local address.", cause: error)
        default: self.init(code: .socketFailed, message: "Cannot listen on \(address).", cause: error)
        }
    }
}
