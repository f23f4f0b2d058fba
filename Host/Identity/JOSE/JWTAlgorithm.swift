/// The signature algorithms Berth verifies (RFC 7518 §3, RFC 8037 for EdDSA).
///
/// `none` is not among them in any spelling, and each algorithm names the one key family it may be
/// verified with, so a token cannot choose how the host reads a key (the RS256→HS256 confusion).
public enum JWTAlgorithm: String, Sendable, CaseIterable {
    /// HMAC with SHA-256, SHA-384, SHA-512: a shared secret.
    case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"
    /// RSASSA-PKCS1-v1_5 with SHA-256, SHA-384, SHA-512.
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    /// RSASSA-PSS with SHA-256, SHA-384, SHA-512 (salt as long as the digest).
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    /// ECDSA on P-256 with SHA-256, P-384 with SHA-384, P-521 with SHA-512.
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    /// Ed25519.
    case edDSA = "EdDSA"

    /// The kind of key an algorithm is verified with.
    public enum KeyFamily: String, Sendable {
        /// A shared secret (`kty: oct`).
        case secret
        /// An RSA public key.
        case rsa
        /// An elliptic-curve public key on one named curve.
        case ellipticCurve
        /// An Ed25519 public key (`kty: OKP`).
        case edwards
    }

    /// The algorithm named exactly `name` (names are case-sensitive, RFC 7515 §4.1.1).
    /// - Throws: ``AuthenticationError/Code/unsupportedAlgorithm``, with a message that calls out
    ///   `none` in any spelling.
    static func named(_ name: String) throws(AuthenticationError) -> JWTAlgorithm {
        if let algorithm = JWTAlgorithm(rawValue: name) { return algorithm }
        if name.lowercased() == "none" {
            throw AuthenticationError(.unsupportedAlgorithm, "unsigned tokens (alg \"\(name.prefix(16))\") are never accepted")
        }
        throw AuthenticationError(.unsupportedAlgorithm, "the algorithm \"\(name.prefix(16))\" is not one Berth verifies (\(allCases.map(\.rawValue).joined(separator: ", ")))")
    }

    /// The key family this algorithm needs.
    public var keyFamily: KeyFamily {
        switch self {
        case .hs256, .hs384, .hs512: .secret
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: .rsa
        case .es256, .es384, .es512: .ellipticCurve
        case .edDSA: .edwards
        }
    }

    /// The curve an ECDSA algorithm is bound to (JOSE name), nil for the others.
    var curve: String? {
        switch self {
        case .es256: "P-256"
        case .es384: "P-384"
        case .es512: "P-521"
        default: nil
        }
    }

    /// The digest's size in bytes; `0` for EdDSA, which hashes internally.
    var digestBytes: Int {
        switch self {
        case .hs256, .rs256, .ps256, .es256: 32
        case .hs384, .rs384, .ps384, .es384: 48
        case .hs512, .rs512, .ps512, .es512: 64
        case .edDSA: 0
        }
    }
}
