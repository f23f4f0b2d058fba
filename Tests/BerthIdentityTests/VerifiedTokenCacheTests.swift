import Testing
@testable import BerthIdentity

struct VerifiedTokenCacheTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"

    @Test func aCachedTokenIsStillRefusedOnceItExpires() throws {
        let verifier = TokenVerifier(keys: KeySet(keys: [try .secret(Array(Self.secret.utf8))]), rules: ClaimRules(clockSkew: 0))
        let token = TokenFactory.hmacSigned(secret: Self.secret)
        #expect(try verifier.verify(token, now: TokenFactory.now).subject == "user-42")
        #expect(try verifier.verify(token, now: TokenFactory.now + 1).subject == "user-42")
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(token, now: TokenFactory.now + 601) }
        #expect(error.code == .expired)
    }

    @Test func replacingTheKeysForgetsTokensTheOldKeysVerified() throws {
        let verifier = TokenVerifier(keys: KeySet(keys: [try .secret(Array(Self.secret.utf8))]))
        let token = TokenFactory.hmacSigned(secret: Self.secret)
        _ = try verifier.verify(token, now: TokenFactory.now)
        verifier.replaceKeys(KeySet(keys: [try .secret(Array(String(repeating: "n", count: 40).utf8))]))
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(token, now: TokenFactory.now) }
        #expect(error.code == .badSignature)
    }

    @Test func aFullCacheStaysBounded() throws {
        let cache = VerifiedTokenCache(capacity: 4)
        let sample = VerifiedToken(subject: "s", roles: [], scopes: [], claims: [:], expiresAt: 10)
        for index in 0 ..< 50 {
            cache.store(sample, for: VerifiedTokenCache.digest(of: Array("token-\(index)".utf8)), now: 0)
        }
        let present = (0 ..< 50).filter { cache.lookup(VerifiedTokenCache.digest(of: Array("token-\($0)".utf8))) != nil }
        #expect(present.count <= 4)
        #expect(present.contains(49))
    }
}
