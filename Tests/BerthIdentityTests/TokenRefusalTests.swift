import Testing
@testable import BerthIdentity

struct TokenRefusalTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"
    let rsa = TestKey(.rsa(bits: 2048))

    func verifier(rules: ClaimRules = ClaimRules()) throws -> TokenVerifier {
        let keys = try KeySet(jwks: TokenFactory.jwks([rsa.jwk(kid: "rsa-1")]))
        return TokenVerifier(keys: KeySet(keys: keys.keys + [try .secret(Array(Self.secret.utf8), id: "hmac-1")]), rules: rules, maxTokenBytes: 4096, cacheCapacity: 0)
    }

    func refusal(_ token: String, rules: ClaimRules = ClaimRules(), now: Double = TokenFactory.now) throws -> AuthenticationError {
        let verifier = try verifier(rules: rules)
        return try #require(throws: AuthenticationError.self) { try verifier.verify(token, now: now) }
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func unsignedTokensAreRefusedInAnySpelling(_ alg: String) throws {
        let token = b64(TokenFactory.header(alg)) + "." + b64(TokenFactory.claims()) + "."
        let error = try refusal(token)
        #expect(error.code == .unsupportedAlgorithm)
        #expect(error.message.contains("unsigned"))
        // With a signature part too.
        #expect(try refusal(token + "c2lnbmF0dXJl").code == .unsupportedAlgorithm)
    }

    @Test func anUnknownAlgorithmIsRefused() throws {
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, headerJSON: TokenFactory.header("HS1"))).code == .unsupportedAlgorithm)
    }

    @Test func anHMACTokenPresentedAgainstAnRSAKeyIsRefused() throws {
        // The classic confusion: sign with the RSA public key's bytes as an HMAC secret.
        let publicBytes = rsa.jwk(kid: nil)["n"]!
        let token = TokenFactory.hmacSigned(secret: publicBytes, alg: "HS256", kid: "rsa-1")
        #expect(try refusal(token).code == .algorithmMismatch)
    }

    @Test func anRSATokenPresentedAgainstTheSharedSecretIsRefused() throws {
        #expect(try refusal(TokenFactory.signed(rsa, alg: "RS256", kid: "hmac-1")).code == .algorithmMismatch)
    }

    @Test func anUnknownKeyIDIsRefused() throws {
        #expect(try refusal(TokenFactory.signed(rsa, alg: "RS256", kid: "rsa-2")).code == .unknownKey)
    }

    @Test(arguments: ["../../etc/passwd", "1' OR '1'='1", "a/b", "a\\\\b", "key id", "x\\u0000y", String(repeating: "k", count: 129), "a..b"])
    func keyIDsWithPathOrSQLTricksAreRefused(_ kid: String) throws {
        let token = TokenFactory.hmacSigned(secret: Self.secret, headerJSON: "{\"alg\":\"HS256\",\"kid\":\"\(kid)\"}")
        #expect(try refusal(token).code == .invalidKeyID)
    }

    @Test func expiredTokensAreRefusedOutsideTheClockSkew() throws {
        let claims = TokenFactory.claims(["exp": TokenFactory.now - 30])
        let token = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: claims)
        // 30 s late is inside the default 60 s of skew…
        #expect(try verifier().verify(token, now: TokenFactory.now).subject == "user-42")
        // …but not inside 10 s.
        #expect(try refusal(token, rules: ClaimRules(clockSkew: 10)).code == .expired)
        #expect(try refusal(token, now: TokenFactory.now + 100).code == .expired)
    }

    @Test func notYetValidTokensAreRefusedOutsideTheClockSkew() throws {
        let token = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: TokenFactory.claims(["nbf": TokenFactory.now + 120]))
        #expect(try refusal(token).code == .notYetValid)
        #expect(try verifier().verify(token, now: TokenFactory.now + 61).subject == "user-42")
    }

    @Test func tokensWithoutExpiryOrSubjectAreRefused() throws {
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: TokenFactory.claims(removing: ["exp"]))).code == .missingClaim)
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: TokenFactory.claims(removing: ["sub"]))).code == .missingClaim)
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: TokenFactory.claims(["exp": "tomorrow"]))).code == .malformed)
    }

    @Test func theWrongIssuerOrAudienceIsRefused() throws {
        let rules = ClaimRules(issuer: "https://id.example.com/", audience: "berth-api")
        let good = TokenFactory.claims(["iss": "https://id.example.com/", "aud": ["other", "berth-api"]])
        #expect(try verifier(rules: rules).verify(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: good), now: TokenFactory.now).subject == "user-42")
        let wrongIssuer = TokenFactory.claims(["iss": "https://evil.example.com/", "aud": "berth-api"])
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: wrongIssuer), rules: rules).code == .wrongIssuer)
        let wrongAudience = TokenFactory.claims(["iss": "https://id.example.com/", "aud": "other"])
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: wrongAudience), rules: rules).code == .wrongAudience)
        let noAudience = TokenFactory.claims(["iss": "https://id.example.com/"])
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: noAudience), rules: rules).code == .wrongAudience)
    }

    @Test func oversizedTokensAreRefusedBeforeParsing() throws {
        let claims = TokenFactory.claims(["padding": String(repeating: "x", count: 5000)])
        #expect(try refusal(TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: claims)).code == .oversized)
    }

    @Test(arguments: [
        "onlyonepart", "two.parts", "a.b.c.d.e", "..", "e30.e30.", // wrong shapes; "{}" header has no alg
        "eyJhbGciOiJIUzI1NiJ9=.e30.c2ln", // padding
        "eyJhbGciOiJIUzI1NiJ9.e3 0.c2ln", // a space
        "bm90IGpzb24.e30.c2ln", // header is not JSON
        "WzFd.e30.c2ln", // header is an array
    ])
    func malformedTokensAreRefused(_ token: String) throws {
        #expect(try refusal(token).code == .malformed)
    }

    @Test func aTokenDemandingUnknownCriticalHeadersIsRefused() throws {
        let token = TokenFactory.hmacSigned(secret: Self.secret, headerJSON: "{\"alg\":\"HS256\",\"kid\":\"hmac-1\",\"crit\":[\"exp\"]}")
        #expect(try refusal(token).code == .malformed)
    }

    @Test func aTokenWithoutSignatureBytesIsRefused() throws {
        let token = TokenFactory.signingInput(header: TokenFactory.header("HS256", kid: "hmac-1"), claims: TokenFactory.claims()) + "."
        #expect(try refusal(token).code == .badSignature)
    }

    @Test func aTokenWithoutKeyIDIsRefusedWhenSeveralKeysCouldVerifyIt() throws {
        let other = TestKey(.rsa(bits: 2048))
        let verifier = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([rsa.jwk(kid: "a"), other.jwk(kid: "b")])))
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(TokenFactory.signed(rsa, alg: "RS256", kid: nil), now: TokenFactory.now) }
        #expect(error.code == .unknownKey)
        // With one candidate, no kid is needed.
        let single = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([rsa.jwk(kid: "a")])))
        #expect(try single.verify(TokenFactory.signed(rsa, alg: "RS256", kid: nil), now: TokenFactory.now).subject == "user-42")
    }
}
