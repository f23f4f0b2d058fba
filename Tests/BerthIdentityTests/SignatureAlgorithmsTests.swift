import Testing
@testable import BerthIdentity

struct SignatureAlgorithmsTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"

    @Test(arguments: ["HS256", "HS384", "HS512"])
    func hmacTokensVerifyWithTheSharedSecret(_ alg: String) throws {
        let verifier = TokenVerifier(keys: KeySet(keys: [try .secret(Array(Self.secret.utf8))]))
        let token = TokenFactory.hmacSigned(secret: Self.secret, alg: alg)
        let identity = try verifier.verify(token, now: TokenFactory.now)
        #expect(identity.subject == "user-42")
        #expect(identity.roles == ["editor"])
    }

    @Test(arguments: [("RS256", TestKey.Kind.rsa(bits: 2048)), ("RS384", .rsa(bits: 2048)), ("RS512", .rsa(bits: 2048)), ("PS256", .rsa(bits: 2048)),
                      ("PS384", .rsa(bits: 2048)), ("ES256", .ec(curve: "P-256")), ("ES384", .ec(curve: "P-384")), ("ES512", .ec(curve: "P-521")), ("EdDSA", .ed25519)])
    func publicKeyTokensVerifyAndATamperedOneDoesNot(_ alg: String, _ kind: TestKey.Kind) throws {
        let key = TestKey(kind)
        let verifier = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([key.jwk(kid: "k1")])), cacheCapacity: 0)
        let token = TokenFactory.signed(key, alg: alg, kid: "k1")
        #expect(try verifier.verify(token, now: TokenFactory.now).subject == "user-42")

        // The same signature over claims naming someone else.
        let parts = token.split(separator: ".")
        let forged = parts[0] + "." + b64(TokenFactory.claims(["sub": "admin"])) + "." + parts[2]
        #expect(throws: AuthenticationError.self) { try verifier.verify(forged, now: TokenFactory.now) }
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(forged, now: TokenFactory.now) }
        #expect(error.code == .badSignature)

        // One flipped bit in the signature.
        var signature = Array(parts[2].utf8)
        signature[signature.count / 2] = signature[signature.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let flipped = parts[0] + "." + parts[1] + "." + String(decoding: signature, as: UTF8.self)
        let flippedError = try #require(throws: AuthenticationError.self) { try verifier.verify(flipped, now: TokenFactory.now) }
        #expect([.badSignature, .malformed].contains(flippedError.code))
    }

    @Test func aTokenSignedByAnotherKeyOfTheSameTypeIsRefused() throws {
        let trusted = TestKey(.ec(curve: "P-256")), other = TestKey(.ec(curve: "P-256"))
        let verifier = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([trusted.jwk(kid: "k1")])))
        let error = try #require(throws: AuthenticationError.self) {
            try verifier.verify(TokenFactory.signed(other, alg: "ES256", kid: "k1"), now: TokenFactory.now)
        }
        #expect(error.code == .badSignature)
        #expect(error.status == 401)
        #expect(error.wwwAuthenticate.contains("error_description=\"bad_signature\""))
    }

    @Test func anECDSASignatureOfTheWrongLengthIsRefusedNotCrashed() throws {
        let key = TestKey(.ec(curve: "P-256"))
        let verifier = TokenVerifier(keys: try KeySet(jwks: TokenFactory.jwks([key.jwk(kid: "k1")])))
        let input = TokenFactory.signingInput(header: TokenFactory.header("ES256", kid: "k1"), claims: TokenFactory.claims())
        let error = try #require(throws: AuthenticationError.self) {
            try verifier.verify(input + "." + b64([UInt8](repeating: 7, count: 63)), now: TokenFactory.now)
        }
        #expect(error.code == .badSignature)
    }
}
