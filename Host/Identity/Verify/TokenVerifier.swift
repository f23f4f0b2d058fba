import Foundation
import Synchronization

/// Verifies bearer tokens: signature with the trusted keys, then the claim rules.
///
/// Verification is synchronous and never touches the network, so it may run on an HTTP polling
/// thread. A URL key set is fetched by a ``KeySetRefresher`` off those threads; an unknown `kid`
/// asks it for a refresh (at most once per floor interval) through ``verifyRefreshing(_:now:)``.
/// A refresh replaces the URL's keys only: the keys given as `keptKeys` (the shared secret) stay.
public final class TokenVerifier: Sendable {
    /// The rules applied to the claims of a token whose signature verified.
    public let rules: ClaimRules
    /// The longest token accepted, in bytes.
    public let maxTokenBytes: Int
    private let keys: Mutex<KeySet>
    /// Tokens that verified, until they expire or the keys change.
    let cache: VerifiedTokenCache
    private let refresher: KeySetRefresher?
    /// Keys that do not come from the refresher's URL, kept in front of every set it fetches.
    private let keptKeys: [VerificationKey]

    /// A verifier of tokens signed by `keys`, keeping up to `cacheCapacity` tokens that verified
    /// (at most `cacheBytes` bytes of token text) until they expire or the keys change. A set
    /// fetched by `refresher` replaces `keys`, except `keptKeys` (which `keys` should list too):
    /// those are added to every fetched set.
    public init(keys: KeySet, rules: ClaimRules = ClaimRules(), maxTokenBytes: Int = 8192, cacheCapacity: Int = 10_000, cacheBytes: Int = 4 << 20,
                refresher: KeySetRefresher? = nil, keptKeys: [VerificationKey] = []) {
        self.rules = rules
        self.maxTokenBytes = maxTokenBytes
        self.keys = Mutex(keys)
        self.cache = VerifiedTokenCache(capacity: cacheCapacity, byteBudget: cacheBytes)
        self.refresher = refresher
        self.keptKeys = keptKeys
    }

    /// The keys in use now.
    public var currentKeys: KeySet { keys.withLock { $0 } }

    /// Replaces the trusted keys; tokens verified with the old ones must verify again.
    public func replaceKeys(_ newKeys: KeySet) {
        keys.withLock { $0 = newKeys }
        cache.removeAll()
    }

    /// The bearer's identity if `token` verifies at `now` (seconds since 1970).
    /// - Throws: ``AuthenticationError`` naming the reason class.
    public func verify(_ token: some StringProtocol, now: Double = Date().timeIntervalSince1970) throws(AuthenticationError) -> VerifiedToken {
        let length = token.utf8.count
        guard length <= maxTokenBytes else {
            throw AuthenticationError(.oversized, "the token has \(length) bytes; at most \(maxTokenBytes) are accepted")
        }
        // A token read from a request is a slice of its field: read in place, without a copy.
        let inPlace = token.utf8.withContiguousStorageIfAvailable { bytes in
            Result { () throws(AuthenticationError) -> VerifiedToken in try verify(bytes: bytes, now: now) }
        }
        if let inPlace { return try inPlace.get() }
        return try Array(token.utf8).withUnsafeBufferPointer { bytes in
            Result { () throws(AuthenticationError) -> VerifiedToken in try verify(bytes: bytes, now: now) }
        }.get()
    }

    private func verify(bytes token: UnsafeBufferPointer<UInt8>, now: Double) throws(AuthenticationError) -> VerifiedToken {
        // A hit is the same bytes as a token that verified, still inside its window now.
        if let known = cache.lookup(token, now: now, skew: rules.clockSkew) { return known }
        // Read before the keys: a result of keys replaced meanwhile is not cached.
        let generation = cache.generation
        let parsed = try JSONWebToken(parsing: token, maxBytes: maxTokenBytes)
        let key = try keys.withLock { (keys: inout KeySet) throws(AuthenticationError) -> VerificationKey in
            try keys.key(for: parsed.keyID, algorithm: parsed.algorithm)
        }
        let valid: Bool
        do {
            valid = try key.verifies(parsed.signature, of: parsed.signingInput, with: parsed.algorithm)
        } catch {
            throw AuthenticationError(.badSignature, "the signature could not be checked", cause: error)
        }
        guard valid else { throw AuthenticationError(.badSignature, "the token's signature does not verify") }
        let verified = try rules.check(parsed.claims, now: now)
        let notBefore: Double? = if case .number(let start)? = parsed.claims["nbf"] { start } else { nil }
        cache.store(verified, token: token, notBefore: notBefore, generation: generation, now: now)
        return verified
    }

    /// Refreshes a URL key set in the background (subject to its floor), for callers that cannot
    /// wait: the next token naming the new key verifies.
    public func refreshSoon() {
        guard let refresher else { return }
        Task {
            if let fresh = await refresher.refreshIfAllowed() { self.adopt(fresh) }
        }
    }

    /// ``verify(_:now:)``, and when the token names a key the set lacks, one refresh of a URL key
    /// set (subject to its floor) and a second try.
    public func verifyRefreshing(_ token: String, now: Double = Date().timeIntervalSince1970) async throws(AuthenticationError) -> VerifiedToken {
        do {
            return try verify(token, now: now)
        } catch where error.code == .unknownKey || error.code == .keysUnavailable {
            guard let refresher, let fresh = await refresher.refreshIfAllowed() else { throw error }
            adopt(fresh)
            return try verify(token, now: now)
        }
    }

    /// Uses a key set the refresher fetched, with the kept keys in front.
    private func adopt(_ fetched: KeySet) {
        replaceKeys(KeySet(keys: keptKeys + fetched.keys, skipped: fetched.skipped))
    }
}
