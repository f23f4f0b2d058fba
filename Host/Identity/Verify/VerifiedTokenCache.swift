import COpenSSL
import Synchronization

/// Tokens that verified, by the SHA-256 of their text, until they expire: a repeated token costs a
/// hash and a lookup instead of a signature check (an ES256 or EdDSA verification is tens of µs).
///
/// Bounded: when full, expired entries go first, then everything (a burst of distinct tokens
/// cannot grow it). Cleared whenever the keys change, so a removed key's tokens stop at once.
final class VerifiedTokenCache: Sendable {
    struct Digest: Hashable, Sendable {
        let a: UInt64, b: UInt64, c: UInt64, d: UInt64
    }

    private let entries: Mutex<[Digest: VerifiedToken]>
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        self.entries = Mutex([:])
    }

    static func digest(of token: [UInt8]) -> Digest {
        token.withUnsafeBufferPointer(digest(of:))
    }

    static func digest(of token: UnsafeBufferPointer<UInt8>) -> Digest {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { output in
            _ = SHA256(token.baseAddress, token.count, output.baseAddress)
            let raw = UnsafeRawBufferPointer(output)
            return Digest(a: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), b: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                          c: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), d: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    func lookup(_ digest: Digest) -> VerifiedToken? {
        entries.withLock { $0[digest] }
    }

    func store(_ token: VerifiedToken, for digest: Digest, now: Double) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[digest] = token
        }
    }

    func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    func remove(_ digest: Digest) {
        _ = entries.withLock { $0.removeValue(forKey: digest) }
    }
}
