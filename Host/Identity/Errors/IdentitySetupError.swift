/// A problem with the identity settings or the keys they point to: the operator's to fix, not a
/// token's fault. At start it stops the host with a message naming the setting.
public struct IdentitySetupError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case invalidKey = "invalid_key"
            case invalidSetting = "invalid_setting"
            case keysUnreachable = "keys_unreachable"
        }

        private let value: Value

        /// A key that cannot be read or is too weak.
        public static let invalidKey = Code(value: .invalidKey)
        /// A `BERTH_AUTH_*` variable with a value that cannot be used.
        public static let invalidSetting = Code(value: .invalidSetting)
        /// The key set could not be read from its file or URL.
        public static let keysUnreachable = Code(value: .keysUnreachable)

        /// The stable name, e.g. `invalid_key`.
        public var description: String { value.rawValue }
    }

    /// What kind of problem it is.
    public let code: Code
    /// What is wrong, naming the key or the setting.
    public let message: String
    /// The underlying failure, when there is one.
    public let cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
