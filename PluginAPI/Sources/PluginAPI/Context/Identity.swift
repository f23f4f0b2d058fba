/// Who is calling: the authenticated end user of a request.
///
/// ``RequestContext/identity`` is `nil` for an anonymous request. The host fills it from a verified
/// token; an addon never builds one from unverified input.
public struct Identity: Sendable, Hashable {
    /// The caller's stable id (a token's `sub`).
    public var subject: String

    /// The caller's roles.
    public var roles: [String]

    /// Every claim of the verified token, by name.
    public var claims: [String: JSONValue]

    /// Creates an identity; called by the host and by tests.
    public init(subject: String, roles: [String] = [], claims: [String: JSONValue] = [:]) {
        self.subject = subject
        self.roles = roles
        self.claims = claims
    }

    /// Whether the caller has `role`.
    public func hasRole(_ role: String) -> Bool {
        roles.contains(role)
    }
}
