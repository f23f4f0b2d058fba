import COpenSSL

/// One key tokens may be verified with: a shared secret or a public key, with the id and
/// algorithm its key set gave it.
///
/// `@unchecked Sendable`: the `EVP_PKEY` is never changed after it is built and libcrypto allows
/// concurrent verifications with one key (each uses its own `EVP_MD_CTX`); the class frees it once.
public final class VerificationKey: @unchecked Sendable {
    enum Material {
        case secret([UInt8])
        case publicKey(OpaquePointer)
    }

    /// The key's `kid`, if its set named one.
    public let id: String?
    /// The family the key belongs to; only algorithms of this family may use it.
    public let family: JWTAlgorithm.KeyFamily
    /// The JOSE curve name for elliptic-curve keys (`P-256`, `P-384`, `P-521`, `Ed25519`).
    public let curve: String?
    /// The one algorithm the key set allows for this key (`alg` of the JWK), if it named one.
    public let algorithm: JWTAlgorithm?
    let material: Material
    /// A shared secret's keyed HMAC contexts, reused from one token to the next.
    let macs: HMACContexts?

    init(id: String?, family: JWTAlgorithm.KeyFamily, curve: String?, algorithm: JWTAlgorithm?, material: Material) {
        self.id = id
        self.family = family
        self.curve = curve
        self.algorithm = algorithm
        self.material = material
        self.macs = if case .secret(let bytes) = material { HMACContexts(secret: bytes) } else { nil }
    }

    deinit {
        if case .publicKey(let key) = material { EVP_PKEY_free(key) }
    }

    /// A shared HMAC secret. RFC 7518 §3.2 wants at least as many bytes as the digest: shorter
    /// secrets are refused here, for every HS algorithm.
    public static func secret(_ bytes: [UInt8], id: String? = nil) throws(IdentitySetupError) -> VerificationKey {
        guard bytes.count >= 32 else {
            throw IdentitySetupError(.invalidKey, "an HMAC secret needs at least 32 bytes (it has \(bytes.count))")
        }
        return VerificationKey(id: id, family: .secret, curve: nil, algorithm: nil, material: .secret(bytes))
    }

    /// Whether `algorithm` may be verified with this key: same family, same curve, and the key
    /// set's own `alg` when it gave one.
    func admits(_ algorithm: JWTAlgorithm) -> Bool {
        guard algorithm.keyFamily == family else { return false }
        if let own = self.algorithm, own != algorithm { return false }
        if let required = algorithm.curve, required != curve { return false }
        return true
    }
}
