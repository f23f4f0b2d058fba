import Testing
@testable import BerthIdentity

struct VerifiedTokenCacheTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes!!"
    static let sample = VerifiedToken(subject: "s", roles: [], scopes: [], claims: [:], expiresAt: 10)

    static func store(_ text: String, in cache: VerifiedTokenCache, expiresAt: Double = 10, notBefore: Double? = nil) {
        let verified = VerifiedToken(subject: text, roles: [], scopes: [], claims: [:], expiresAt: expiresAt)
        Array(text.utf8).withUnsafeBufferPointer { cache.store(verified, token: $0, notBefore: notBefore, generation: cache.generation, now: 0) }
    }

    static func lookup(_ text: String, in cache: VerifiedTokenCache, now: Double = 0, skew: Double = 0) -> VerifiedToken? {
        Array(text.utf8).withUnsafeBufferPointer { cache.lookup($0, now: now, skew: skew) }
    }

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
        #expect(verifier.cache.occupancy.count == 0)
        let error = try #require(throws: AuthenticationError.self) { try verifier.verify(token, now: TokenFactory.now) }
        #expect(error.code == .badSignature)
    }

    @Test func aResultOfKeysReplacedSinceItsVerificationBeganIsNotKept() {
        let cache = VerifiedTokenCache(capacity: 8)
        let before = cache.generation
        cache.removeAll()
        Array("a.b.c".utf8).withUnsafeBufferPointer { cache.store(Self.sample, token: $0, notBefore: nil, generation: before, now: 0) }
        #expect(Self.lookup("a.b.c", in: cache) == nil)
        Self.store("a.b.c", in: cache)
        #expect(Self.lookup("a.b.c", in: cache)?.subject == "a.b.c")
    }

    @Test func onlyTheSameBytesHit() {
        let cache = VerifiedTokenCache(capacity: 8)
        Self.store("header.payload.signature", in: cache)
        #expect(Self.lookup("header.payload.signature", in: cache)?.subject == "header.payload.signature")
        #expect(Self.lookup("header.payload.signaturf", in: cache) == nil)
        #expect(Self.lookup("header.payload.signatur", in: cache) == nil)
        #expect(Self.lookup("header.payload.signatures", in: cache) == nil)
        #expect(Self.lookup("Header.payload.signature", in: cache) == nil)
    }

    @Test func aHitOutsideTheWindowIsRemoved() {
        let cache = VerifiedTokenCache(capacity: 8)
        Self.store("late.token.sig", in: cache, expiresAt: 100, notBefore: 50)
        #expect(Self.lookup("late.token.sig", in: cache, now: 99.9) != nil)
        #expect(Self.lookup("late.token.sig", in: cache, now: 45, skew: 5) != nil)
        #expect(Self.lookup("late.token.sig", in: cache, now: 44.9, skew: 5) == nil)
        #expect(cache.occupancy.count == 0)
        Self.store("late.token.sig", in: cache, expiresAt: 100, notBefore: 50)
        #expect(Self.lookup("late.token.sig", in: cache, now: 104.9, skew: 5) != nil)
        #expect(Self.lookup("late.token.sig", in: cache, now: 105, skew: 5) == nil)
        #expect(cache.occupancy.count == 0 && cache.occupancy.bytes == 0)
    }

    @Test func aFullCacheStaysBoundedAndKeepsTheNewest() {
        let cache = VerifiedTokenCache(capacity: 4)
        #expect(cache.capacity == 4)
        for index in 0 ..< 50 { Self.store("token-\(index)", in: cache) }
        let present = (0 ..< 50).filter { Self.lookup("token-\($0)", in: cache) != nil }
        #expect(cache.occupancy.count <= 4)
        #expect(present.count == cache.occupancy.count)
        #expect(present.contains(49))
    }

    @Test func theTokenBytesStayWithinTheBudget() {
        let cache = VerifiedTokenCache(capacity: 64, byteBudget: 100)
        for index in 0 ..< 40 { Self.store("token-\(index)-" + String(repeating: "x", count: 24), in: cache) }
        #expect(cache.occupancy.bytes <= 100)
        #expect(cache.occupancy.count >= 1)
        let huge = String(repeating: "y", count: 101)
        Self.store(huge, in: cache)
        #expect(Self.lookup(huge, in: cache) == nil)
        #expect(cache.occupancy.bytes <= 100)
    }

    @Test func aCacheOfNoCapacityKeepsNothing() {
        let cache = VerifiedTokenCache(capacity: 0)
        Self.store("a.b.c", in: cache)
        #expect(Self.lookup("a.b.c", in: cache) == nil)
        #expect(cache.occupancy.count == 0 && cache.occupancy.bytes == 0)
    }
}
