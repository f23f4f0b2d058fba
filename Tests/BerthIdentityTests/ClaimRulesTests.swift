import Testing
@testable import BerthIdentity

struct ClaimRulesTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"

    func identity(_ claims: [String: Any], rolesClaim: String = "roles") throws -> VerifiedToken {
        let verifier = TokenVerifier(keys: KeySet(keys: [try .secret(Array(Self.secret.utf8))]), rules: ClaimRules(rolesClaim: rolesClaim))
        return try verifier.verify(TokenFactory.hmacSigned(secret: Self.secret, claims: TokenFactory.claims(claims, removing: claims["roles"] == nil ? ["roles"] : [])), now: TokenFactory.now)
    }

    @Test func rolesAreReadAtADottedPathAsSupabaseAndAuth0PutThem() throws {
        let supabase = try identity(["app_metadata": ["roles": ["admin", "billing"]], "role": "authenticated"], rolesClaim: "app_metadata.roles")
        #expect(supabase.roles == ["admin", "billing"])
        // Auth0's namespaced claim: its name has dots, and is read as it is.
        let auth0 = try identity(["https://example.com/roles": ["viewer"], "https://example": ["com/roles": ["wrong"]]], rolesClaim: "https://example.com/roles")
        #expect(auth0.roles == ["viewer"])
        #expect(try identity(["roles": "a b"]).roles == ["a", "b"])
        #expect(try identity([:]).roles.isEmpty)
    }

    @Test func aClaimNamedExactlyLikeTheSettingComesBeforeTheDottedPath() throws {
        let both = try identity(["app_metadata.roles": ["flat"], "app_metadata": ["roles": ["nested"]]], rolesClaim: "app_metadata.roles")
        #expect(both.roles == ["flat"])
        let nestedOnly = try identity(["app_metadata": ["roles": ["nested"]]], rolesClaim: "app_metadata.roles")
        #expect(nestedOnly.roles == ["nested"])
        #expect(try identity(["https://example.com/roles": "editor viewer"], rolesClaim: "https://example.com/roles").roles == ["editor", "viewer"])
        #expect(try identity(["roles": ["x"]], rolesClaim: "https://example.com/roles").roles.isEmpty)
    }

    @Test func scopesComeFromScopeOrScp() throws {
        #expect(try identity(["scope": "read:notes write:notes"]).scopes == ["read:notes", "write:notes"])
        #expect(try identity(["scp": ["read"]]).scopes == ["read"])
    }

    @Test func everyClaimReachesTheIdentity() throws {
        let verified = try identity(["email": "ada@example.com", "tenant": "t-1"])
        #expect(verified.claims["email"] == .string("ada@example.com"))
        #expect(verified.claims["tenant"] == .string("t-1"))
        #expect(verified.expiresAt == TokenFactory.now + 600)
    }
}
