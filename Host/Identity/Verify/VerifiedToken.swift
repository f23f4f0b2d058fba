import PluginAPI

/// What a token that verified says about its bearer.
public struct VerifiedToken: Sendable, Hashable {
    /// `sub`: who the bearer is.
    public let subject: String
    /// The roles found at the configured roles claim (e.g. `roles` or `app_metadata.roles`).
    public let roles: [String]
    /// The scopes of `scope` (space-separated) or `scp` (a list).
    public let scopes: [String]
    /// Every claim of the token.
    public let claims: [String: JSONValue]
    /// `exp`, in seconds since 1970.
    public let expiresAt: Double
}
