import COpenSSL

/// Compares secrets (tokens, passwords) without the timing of the answer saying how much of a guess
/// was right, whatever the two lengths are.
public enum SecretComparison {
    /// Whether `presented` equals `expected`. Both are hashed with SHA-256 first, so the bytes
    /// compared always have the same length (32) whatever was presented, and the digests are
    /// compared with `CRYPTO_memcmp`, whose time does not depend on where they differ.
    public static func equal(_ presented: some Sequence<UInt8>, _ expected: some Sequence<UInt8>) -> Bool {
        let left = digest(presented)
        let right = digest(expected)
        let difference = left.withUnsafeBytes { a in
            right.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) }
        }
        return difference == 0
    }

    private static func digest(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(Array(bytes))
        return hasher.finalizeBytes()
    }
}
