import PluginAPI

/// Applies a route's ``AccessRule`` to a request, before the addon sees it.
public struct AccessGate: Sendable {
    /// The verifier, nil when no key source is configured (then every token is refused and
    /// `required` routes refuse everyone).
    public let verifier: TokenVerifier?
    /// The cookie that may carry the token.
    public let cookieName: String?

    /// A gate using `verifier`.
    public init(verifier: TokenVerifier?, cookieName: String? = nil) {
        self.verifier = verifier
        self.cookieName = cookieName
    }

    /// The caller's identity under `rule`: nil for an anonymous caller the rule admits.
    /// - Throws: ``AuthenticationError`` (401) for a missing or bad token, ``AccessDenied`` (403)
    ///   for a caller the rule's roles or scopes do not admit.
    public func admit(_ headers: HTTPHeaders, under rule: AccessRule, now: Double) throws -> VerifiedToken? {
        guard rule.mode != .none else { return nil }
        guard let token = try BearerToken.presented(in: headers, cookie: cookieName) else {
            guard rule.mode == .optional else {
                throw AuthenticationError(.missing, "this route needs a signed-in caller: send 'Authorization: Bearer <token>'")
            }
            return nil
        }
        guard let verifier else {
            throw AuthenticationError(.keysUnavailable, "this host verifies no tokens: set BERTH_AUTH_JWKS or BERTH_AUTH_JWT_SECRET")
        }
        let verified = try verifier.verify(token, now: now)
        try check(verified, against: rule)
        return verified
    }

    /// ``admit(_:under:now:)``, refreshing a URL key set once when the token names an unknown key.
    public func admitRefreshing(_ headers: HTTPHeaders, under rule: AccessRule, now: Double) async throws -> VerifiedToken? {
        do {
            return try admit(headers, under: rule, now: now)
        } catch let error as AuthenticationError where error.code == .unknownKey || error.code == .keysUnavailable {
            guard let verifier, let token = try BearerToken.presented(in: headers, cookie: cookieName) else { throw error }
            let verified = try await verifier.verifyRefreshing(String(token), now: now)
            try check(verified, against: rule)
            return verified
        }
    }

    private func check(_ verified: VerifiedToken, against rule: AccessRule) throws(AccessDenied) {
        if !rule.anyOfRoles.isEmpty, !rule.anyOfRoles.contains(where: verified.roles.contains) {
            let needed = rule.anyOfRoles.count == 1 ? "the role '\(rule.anyOfRoles[0])'" : "one of the roles \(rule.anyOfRoles.map { "'\($0)'" }.joined(separator: ", "))"
            throw AccessDenied(code: .missingRole, message: "this route needs \(needed)")
        }
        if let missing = rule.allOfScopes.first(where: { !verified.scopes.contains($0) }) {
            throw AccessDenied(code: .missingScope, message: "this route needs the scope '\(missing)'")
        }
    }
}
