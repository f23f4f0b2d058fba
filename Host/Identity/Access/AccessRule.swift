/// Who may call a route: the host's reading of a manifest's route policy, after admin overrides.
public struct AccessRule: Sendable, Hashable {
    /// Whether a token is needed, read when present, or ignored.
    public enum Mode: String, Sendable, Hashable {
        /// Tokens are not read; every caller is anonymous.
        case none
        /// A valid token gives an identity; no token is anonymous; a bad token is refused.
        case optional
        /// A valid token is needed.
        case required
    }

    /// Whether a token is needed.
    public var mode: Mode
    /// The caller needs at least one of these roles; empty: any caller.
    public var anyOfRoles: [String]
    /// The caller's token needs all of these scopes.
    public var allOfScopes: [String]

    /// Creates a rule.
    public init(mode: Mode, anyOfRoles: [String] = [], allOfScopes: [String] = []) {
        self.mode = mode
        self.anyOfRoles = anyOfRoles
        self.allOfScopes = allOfScopes
    }

    /// Public: no token is read.
    public static let open = AccessRule(mode: .none)
}
