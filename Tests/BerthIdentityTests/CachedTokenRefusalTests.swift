import Testing
@testable import BerthIdentity

/// Every refusal still refuses while a valid token of the same subject sits in the verified-token
/// cache: only the very bytes of a token that verified hit, and only inside its validity window.
struct CachedTokenRefusalTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"
    static let rules = ClaimRules(issuer: "https://id.example.com/", audience: "berth-api", clockSkew: 30)
    let rsa = TestKey(.rsa(bits: 2048))

    static func claims(_ overrides: [String: Any] = [:]) -> String {
        var fields: [String: Any] = ["iss": "https://id.example.com/", "aud": "berth-api"]
        for (key, value) in overrides { fields[key] = value }
        return TokenFactory.claims(fields)
    }

    static let cached = TokenFactory.hmacSigned(secret: secret, kid: "hmac-1", claims: claims())

    /// A verifier with an RSA key and the shared secret whose cache holds ``cached``.
    func warmVerifier() throws -> TokenVerifier {
        let keys = try KeySet(jwks: TokenFactory.jwks([rsa.jwk(kid: "rsa-1")]))
        let verifier = TokenVerifier(keys: KeySet(keys: keys.keys + [try .secret(Array(Self.secret.utf8), id: "hmac-1")]), rules: Self.rules, maxTokenBytes: 4096)
        #expect(try verifier.verify(Self.cached, now: TokenFactory.now).subject == "user-42")
        #expect(verifier.cache.occupancy.count == 1)
        return verifier
    }

    /// The code `token` is refused with by a warm verifier, which still serves ``cached`` after.
    func refusalBesideTheCachedToken(_ token: String, now: Double = TokenFactory.now) throws -> AuthenticationError {
        let verifier = try warmVerifier()
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(token, now: now) }
        #expect(try verifier.verify(Self.cached, now: TokenFactory.now).roles == ["editor"])
        return error
    }

    static var parts: [Substring] { cached.split(separator: ".", omittingEmptySubsequences: false) }

    @Test func theCachedTokenIsServedFromTheCacheWithItsIdentity() throws {
        let verifier = try warmVerifier()
        let again = try verifier.verify(Self.cached[...], now: TokenFactory.now + 1)
        #expect(again.subject == "user-42")
        #expect(again.roles == ["editor"])
        #expect(verifier.cache.occupancy.count == 1)
    }

    @Test func aTamperedPayloadWithTheCachedSignatureIsRefused() throws {
        let promoted = b64(Self.claims(["roles": ["admin"]]))
        let token = "\(Self.parts[0]).\(promoted).\(Self.parts[2])"
        #expect(try refusalBesideTheCachedToken(token).code == .badSignature)
    }

    @Test func aTamperedSignatureOfTheCachedTokenIsRefused() throws {
        var signature = Array(Self.parts[2].utf8)
        signature[5] = signature[5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let token = "\(Self.parts[0]).\(Self.parts[1]).\(String(decoding: signature, as: UTF8.self))"
        #expect(try refusalBesideTheCachedToken(token).code == .badSignature)
    }

    @Test func theCachedTokenWithABytePlusOrMinusIsRefused() throws {
        let shorterOrLonger: [AuthenticationError.Code] = [.malformed, .badSignature]
        #expect(shorterOrLonger.contains(try refusalBesideTheCachedToken(String(Self.cached.dropLast())).code))
        #expect(shorterOrLonger.contains(try refusalBesideTheCachedToken(Self.cached + "A").code))
        #expect(try refusalBesideTheCachedToken(Self.cached + ".e30").code == .malformed)
        #expect(try refusalBesideTheCachedToken(Self.cached + String(repeating: "A", count: 4096)).code == .oversized)
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func theCachedClaimsUnsignedAreRefusedInAnySpelling(_ alg: String) throws {
        let header = b64(TokenFactory.header(alg))
        #expect(try refusalBesideTheCachedToken("\(header).\(Self.parts[1]).").code == .unsupportedAlgorithm)
        #expect(try refusalBesideTheCachedToken("\(header).\(Self.parts[1]).\(Self.parts[2])").code == .unsupportedAlgorithm)
    }

    @Test func algorithmAndKeyTypeConfusionIsRefused() throws {
        let publicBytes = rsa.jwk(kid: nil)["n"]!
        let hmacAgainstRSA = TokenFactory.hmacSigned(secret: publicBytes, alg: "HS256", kid: "rsa-1", claims: Self.claims())
        #expect(try refusalBesideTheCachedToken(hmacAgainstRSA).code == .algorithmMismatch)
        let rsaAgainstSecret = TokenFactory.signed(rsa, alg: "RS256", kid: "hmac-1", claims: Self.claims())
        #expect(try refusalBesideTheCachedToken(rsaAgainstSecret).code == .algorithmMismatch)
    }

    @Test(arguments: ["hmac-2", "../../etc/passwd", "1' OR '1'='1", "a..b"])
    func theCachedTokensClaimsUnderAnotherOrTrickyKeyIDAreRefused(_ kid: String) throws {
        let token = TokenFactory.hmacSigned(secret: Self.secret, claims: Self.claims(), headerJSON: "{\"alg\":\"HS256\",\"kid\":\"\(kid)\"}")
        #expect(try refusalBesideTheCachedToken(token).code == (kid == "hmac-2" ? .unknownKey : .invalidKeyID))
    }

    @Test func expiredAndNotYetValidTokensOfTheSameSubjectAreRefused() throws {
        let expired = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: Self.claims(["exp": TokenFactory.now - 31]))
        #expect(try refusalBesideTheCachedToken(expired).code == .expired)
        let early = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: Self.claims(["nbf": TokenFactory.now + 31]))
        #expect(try refusalBesideTheCachedToken(early).code == .notYetValid)
    }

    @Test func theWrongIssuerOrAudienceOfTheSameSubjectIsRefused() throws {
        let issuer = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: Self.claims(["iss": "https://evil.example.com/"]))
        #expect(try refusalBesideTheCachedToken(issuer).code == .wrongIssuer)
        let audience = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: Self.claims(["aud": "other"]))
        #expect(try refusalBesideTheCachedToken(audience).code == .wrongAudience)
    }

    @Test func aCachedTokenIsRefusedAtTheMomentItExpiresWithTheSkew() throws {
        let verifier = try warmVerifier()
        let expiry = TokenFactory.now + 600 + Self.rules.clockSkew
        #expect(try verifier.verify(Self.cached, now: expiry - 0.001).subject == "user-42")
        #expect(verifier.cache.occupancy.count == 1)
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(Self.cached, now: expiry) }
        #expect(error.code == .expired)
        #expect(verifier.cache.occupancy.count == 0)
    }

    @Test func aCachedTokenIsRefusedWhenTheClockGoesBackBeforeItsNotBefore() throws {
        let keys = KeySet(keys: [try .secret(Array(Self.secret.utf8), id: "hmac-1")])
        let verifier = TokenVerifier(keys: keys, rules: ClaimRules(clockSkew: 5))
        let token = TokenFactory.hmacSigned(secret: Self.secret, kid: "hmac-1", claims: TokenFactory.claims(["nbf": TokenFactory.now - 10]))
        #expect(try verifier.verify(token, now: TokenFactory.now).subject == "user-42")
        #expect(try verifier.verify(token, now: TokenFactory.now - 15).subject == "user-42")
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(token, now: TokenFactory.now - 15.5) }
        #expect(error.code == .notYetValid)
    }
}
