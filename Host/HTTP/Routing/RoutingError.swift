/// Why a route could not be registered.
public struct RoutingError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case conflict = "route_conflict"
            case invalidPattern = "invalid_route_pattern"
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// The same method and pattern shape (parameter names aside) is already registered.
        public static let conflict = Code(.conflict)
        /// The pattern is malformed: an empty `:` name, a `*` that is not last, a repeated name.
        public static let invalidPattern = Code(.invalidPattern)

        /// The code as a snake_case string, suitable for JSON error bodies.
        public var description: String { kind.rawValue }
    }

    /// The kind of failure.
    public let code: Code

    /// A message for people, naming the pattern and, for a conflict, the owner that holds it.
    public let message: String

    /// For ``Code/conflict``: the owner of the route already registered.
    public let holder: String?

    /// The underlying error, if any.
    public let cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, holder: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.holder = holder
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
