import Testing
@testable import BerthIdentity

struct KeySetTests {
    @Test func keysBerthCannotUseAreSkippedWithAReason() throws {
        let good = TestKey(.ed25519), weak = TestKey(.rsa(bits: 1024)), encryption = TestKey(.ec(curve: "P-256"))
        let set = try KeySet(jwks: TokenFactory.jwks([
            good.jwk(kid: "good"),
            weak.jwk(kid: "weak"),
            encryption.jwk(kid: "enc", extra: ["use": "enc"]),
            ["kty": "XYZ", "kid": "odd"],
            ["kty": "EC", "crv": "P-192", "kid": "curve", "x": "AA", "y": "AA"],
        ]))
        #expect(set.keys.map(\.id) == ["good"])
        #expect(set.skipped.count == 4)
        #expect(set.skipped.contains { $0.contains("1024 bits") })
        #expect(set.skipped.contains { $0.contains("\"enc\"") })
    }

    @Test func aDocumentThatIsNotAJWKSIsAnError() throws {
        #expect(throws: IdentitySetupError.self) { try KeySet(jwks: Array("{\"kty\":\"RSA\"}".utf8)) }
        #expect(throws: IdentitySetupError.self) { try KeySet(jwks: Array("not json".utf8)) }
    }

    @Test func sharedSecretsShorterThan32BytesAreRefused() {
        #expect(throws: IdentitySetupError.self) { try VerificationKey.secret(Array("short".utf8)) }
    }

    @Test func aKeysOwnAlgorithmLimitsWhatItVerifies() throws {
        let key = TestKey(.rsa(bits: 2048))
        let verifier = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([key.jwk(kid: "k", extra: ["alg": "PS256"])])))
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(TokenFactory.signed(key, alg: "RS256", kid: "k"), now: TokenFactory.now) }
        #expect(error.code == .algorithmMismatch)
        #expect(try verifier.verify(TokenFactory.signed(key, alg: "PS256", kid: "k"), now: TokenFactory.now).subject == "user-42")
    }

    @Test func anES384TokenIsRefusedByAP256Key() throws {
        let key = TestKey(.ec(curve: "P-256"))
        let verifier = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([key.jwk(kid: "k")])))
        let input = TokenFactory.signingInput(header: TokenFactory.header("ES384", kid: "k"), claims: TokenFactory.claims())
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(input + "." + b64([UInt8](repeating: 1, count: 96)), now: TokenFactory.now) }
        #expect(error.code == .algorithmMismatch)
    }

    @Test func anEmptyKeySetSaysKeysAreUnavailable() throws {
        let verifier = TokenVerifier(keys: KeySet(keys: []))
        let error = try #require(throws: AuthenticationError.self) {
            try verifier.verify(TokenFactory.hmacSigned(secret: String(repeating: "s", count: 32)), now: TokenFactory.now)
        }
        #expect(error.code == .keysUnavailable)
        #expect(error.status == 503)
    }
}
