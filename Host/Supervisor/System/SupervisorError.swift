#if canImport(Glibc)
import Glibc
#endif

/// Why the supervisor or a worker could not do something: a stable code, a message naming what
/// was involved, and the `errno` of the failed system call when there was one.
public struct SupervisorError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code as a snake_case string.
        public let rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A command-line argument is missing or malformed.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// A `BERTH_*` setting is malformed.
        public static let invalidSetting = Code(rawValue: "invalid_setting")
        /// A pipe, memfd or descriptor could not be set up.
        public static let descriptorFailed = Code(rawValue: "descriptor_failed")
        /// A worker process could not be started.
        public static let spawnFailed = Code(rawValue: "spawn_failed")
        /// The crash guard could not be attached or installed.
        public static let guardFailed = Code(rawValue: "guard_failed")
        /// No worker of the first generation became ready.
        public static let workersFailed = Code(rawValue: "workers_failed")

        /// The code as a snake_case string.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, for people.
    public let message: String
    /// The `errno` of the failed system call, when one failed.
    public let errno: Int32?

    /// Creates an error.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// `code: message (strerror)`.
    public var description: String {
        guard let errno else { return "\(code): \(message)" }
        return "\(code): \(message) (\(String(cString: strerror(errno))))"
    }
}
