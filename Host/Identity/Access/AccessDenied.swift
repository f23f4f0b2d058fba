/// A caller with a valid token that a route's rule does not admit: `403`, naming what is missing.
public struct AccessDenied: Error, Sendable, CustomStringConvertible {
    /// What the caller lacks.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case missingRole = "missing_role"
            case missingScope = "missing_scope"
        }

        private let value: Value

        /// None of the route's roles.
        public static let missingRole = Code(value: .missingRole)
        /// One of the route's scopes.
        public static let missingScope = Code(value: .missingScope)

        /// The stable name, e.g. `missing_role`.
        public var description: String { value.rawValue }
    }

    /// What the caller lacks.
    public let code: Code
    /// A sentence naming the role or scope needed.
    public let message: String

    /// Always `403`.
    public var status: Int { 403 }

    /// `WWW-Authenticate` for a scope the token lacks (RFC 6750 §3.1 `insufficient_scope`).
    public var wwwAuthenticate: String? {
        code == .missingScope ? "Bearer realm=\"berth\", error=\"insufficient_scope\"" : nil
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
