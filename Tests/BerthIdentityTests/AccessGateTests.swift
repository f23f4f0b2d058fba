import PluginAPI
import Testing
@testable import BerthIdentity

struct AccessGateTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"
    let gate = AccessGate(verifier: TokenVerifier(keys: KeySet(keys: [try! .secret(Array(secret.utf8))])), cookieName: "session")

    func bearer(_ claims: [String: Any] = [:]) -> HTTPHeaders {
        ["Authorization": "Bearer " + TokenFactory.hmacSigned(secret: Self.secret, claims: TokenFactory.claims(claims))]
    }

    @Test func aPublicRouteNeverReadsTheToken() throws {
        #expect(try gate.admit(["Authorization": "Bearer not-a-token"], under: .open, now: TokenFactory.now) == nil)
    }

    @Test func aRequiredRouteRefusesAnonymousAndBadTokensWith401() throws {
        let rule = AccessRule(mode: .required)
        let missing = try #require(throws: AuthenticationError.self) { try gate.admit([:], under: rule, now: TokenFactory.now) }
        #expect(missing.code == .missing && missing.status == 401)
        #expect(missing.wwwAuthenticate == "Bearer realm=\"berth\"")
        let bad = try #require(throws: AuthenticationError.self) { try gate.admit(["Authorization": "Bearer a.b.c"], under: rule, now: TokenFactory.now) }
        #expect(bad.status == 401)
        #expect(try gate.admit(bearer(), under: rule, now: TokenFactory.now)?.subject == "user-42")
    }

    @Test func anOptionalRouteAdmitsAnonymousButNotABadToken() throws {
        let rule = AccessRule(mode: .optional)
        #expect(try gate.admit([:], under: rule, now: TokenFactory.now) == nil)
        #expect(throws: AuthenticationError.self) { try gate.admit(bearer(["exp": TokenFactory.now - 3600]), under: rule, now: TokenFactory.now) }
        #expect(try gate.admit(["Cookie": "session=" + TokenFactory.hmacSigned(secret: Self.secret)], under: rule, now: TokenFactory.now)?.subject == "user-42")
    }

    @Test func aMissingRoleOrScopeIs403NamingIt() throws {
        let roles = AccessRule(mode: .required, anyOfRoles: ["admin", "owner"])
        let denied = try #require(throws: AccessDenied.self) { try gate.admit(bearer(["roles": ["editor"]]), under: roles, now: TokenFactory.now) }
        #expect(denied.status == 403 && denied.code == .missingRole)
        #expect(denied.message.contains("'admin'") && denied.message.contains("'owner'"))
        #expect(try gate.admit(bearer(["roles": ["owner"]]), under: roles, now: TokenFactory.now)?.roles == ["owner"])

        let scopes = AccessRule(mode: .required, allOfScopes: ["notes:read", "notes:write"])
        let noScope = try #require(throws: AccessDenied.self) { try gate.admit(bearer(["scope": "notes:read"]), under: scopes, now: TokenFactory.now) }
        #expect(noScope.code == .missingScope && noScope.message.contains("notes:write"))
        #expect(noScope.wwwAuthenticate?.contains("insufficient_scope") == true)
    }

    @Test func aHostWithoutKeysRefusesTokensOnRequiredRoutes() throws {
        let keyless = AccessGate(verifier: nil)
        let error = try #require(throws: AuthenticationError.self) { try keyless.admit(bearer(), under: AccessRule(mode: .required), now: TokenFactory.now) }
        #expect(error.code == .keysUnavailable)
        #expect(error.message.contains("BERTH_AUTH_JWKS"))
    }
}
