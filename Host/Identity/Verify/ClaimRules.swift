import PluginAPI

/// The checks of a token's claims (RFC 7519 §4.1) once its signature verified.
public struct ClaimRules: Sendable {
    /// `iss` must equal this, when set.
    public var issuer: String?
    /// `aud` must be, or include, this, when set.
    public var audience: String?
    /// Seconds of leeway on `exp` and `nbf` for clocks that disagree.
    public var clockSkew: Double
    /// The dotted path of the roles claim, e.g. `roles` or `app_metadata.roles`.
    public var rolesClaim: [String]
    /// The roles claim's name as configured: a claim of exactly this name is read first, so
    /// Auth0's namespaced claims (`https://example.com/roles`) are found whatever dots they hold.
    public var rolesClaimName: String

    /// Rules with the development defaults: no issuer or audience, 60 s of skew, `roles`.
    public init(issuer: String? = nil, audience: String? = nil, clockSkew: Double = 60, rolesClaim: String = "roles") {
        self.issuer = issuer
        self.audience = audience
        self.clockSkew = clockSkew
        self.rolesClaim = rolesClaim.split(separator: ".").map(String.init)
        self.rolesClaimName = rolesClaim
    }

    /// The token's identity, if its claims pass at `now` (seconds since 1970).
    ///
    /// `exp` and `sub` are required: a token that never expires or names nobody is refused.
    func check(_ claims: [String: JSONValue], now: Double) throws(AuthenticationError) -> VerifiedToken {
        guard let expiry = claims["exp"] else {
            throw AuthenticationError(.missingClaim, "the token has no expiry (exp)")
        }
        guard case .number(let expiresAt) = expiry, expiresAt.isFinite else {
            throw AuthenticationError(.malformed, "the token's exp is not a number of seconds")
        }
        guard now < expiresAt + clockSkew else {
            throw AuthenticationError(.expired, "the token expired \(Int(now - expiresAt)) s ago")
        }
        if let notBefore = claims["nbf"] {
            guard case .number(let start) = notBefore, start.isFinite else {
                throw AuthenticationError(.malformed, "the token's nbf is not a number of seconds")
            }
            guard now + clockSkew >= start else {
                throw AuthenticationError(.notYetValid, "the token is valid only in \(Int(start - now)) s")
            }
        }
        if let issuer {
            guard case .string(issuer)? = claims["iss"] else {
                throw AuthenticationError(.wrongIssuer, "the token was not issued by the configured issuer")
            }
        }
        if let audience {
            let audiences: [String] = switch claims["aud"] {
            case .string(let one)?: [one]
            case .array(let many)?: many.compactMap { if case .string(let text) = $0 { text } else { nil } }
            default: []
            }
            guard audiences.contains(audience) else {
                throw AuthenticationError(.wrongAudience, "the token is not meant for this audience")
            }
        }
        guard case .string(let subject)? = claims["sub"], !subject.isEmpty else {
            throw AuthenticationError(.missingClaim, "the token names no subject (sub)")
        }
        return VerifiedToken(subject: subject, roles: roles(in: claims), scopes: Self.scopes(in: claims), claims: claims, expiresAt: expiresAt)
    }

    /// The claim named exactly ``rolesClaimName`` if the token has one, else the value at the
    /// dotted path ``rolesClaim``.
    private func roles(in claims: [String: JSONValue]) -> [String] {
        if let exact = claims[rolesClaimName] { return Self.strings(exact) }
        var value: JSONValue? = .object(claims)
        for step in rolesClaim {
            guard case .object(let object)? = value else { return [] }
            value = object[step]
        }
        return Self.strings(value)
    }

    private static func scopes(in claims: [String: JSONValue]) -> [String] {
        if case .string(let scope)? = claims["scope"] { return scope.split(separator: " ").map(String.init) }
        return strings(claims["scp"])
    }

    /// A list of strings, or one string of space-separated words.
    private static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .array(let items)?: items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        case .string(let text)?: text.split(separator: " ").map(String.init)
        default: []
        }
    }
}
