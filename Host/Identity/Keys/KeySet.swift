import Foundation
import PluginAPI

/// The keys tokens are verified with: a JWKS (RFC 7517 §5), a shared secret, or both.
public struct KeySet: Sendable {
    /// The usable keys, in the order the set listed them.
    public let keys: [VerificationKey]
    /// Keys of the set that could not be used, with the reason (logged once at load).
    public let skipped: [String]

    /// A set of exactly these keys.
    public init(keys: [VerificationKey], skipped: [String] = []) {
        self.keys = keys
        self.skipped = skipped
    }

    /// The keys of a JWKS document. Keys Berth cannot use (an unknown type, `use: enc`, a short
    /// RSA modulus) are skipped with a reason rather than failing the set.
    /// - Throws: ``IdentitySetupError`` if the document is not a JWKS.
    public init(jwks data: [UInt8]) throws(IdentitySetupError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(data))
        } catch {
            throw IdentitySetupError(.invalidKey, "the key set is not JSON")
        }
        guard case .object(let document) = value, case .array(let entries)? = document["keys"] else {
            throw IdentitySetupError(.invalidKey, "the key set is not a JWKS: it needs a \"keys\" array")
        }
        var keys: [VerificationKey] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let object) = entry else {
                skipped.append("keys[\(index)] is not an object")
                continue
            }
            do {
                keys.append(try VerificationKey.jwk(object))
            } catch {
                skipped.append("keys[\(index)]: \(error.message)")
            }
        }
        self.init(keys: keys, skipped: skipped)
    }

    /// The key a token with `keyID` and `algorithm` is verified with.
    ///
    /// With a `kid`, only the key of that id, and only if it admits the algorithm. Without one,
    /// the single key that admits the algorithm; several candidates are refused rather than tried
    /// in turn (which would let a token pick among them).
    func key(for keyID: String?, algorithm: JWTAlgorithm) throws(AuthenticationError) -> VerificationKey {
        if let keyID {
            guard let key = keys.first(where: { $0.id == keyID }) else {
                throw AuthenticationError(.unknownKey, "no trusted key has the id \"\(keyID)\"")
            }
            guard key.admits(algorithm) else {
                throw AuthenticationError(.algorithmMismatch, "key \"\(keyID)\" is \(Self.describe(key)) and cannot verify \(algorithm.rawValue)")
            }
            return key
        }
        let candidates = keys.filter { $0.admits(algorithm) }
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty {
            if keys.isEmpty { throw AuthenticationError(.keysUnavailable, "no keys are configured to verify tokens") }
            throw AuthenticationError(.algorithmMismatch, "no trusted key can verify \(algorithm.rawValue) (the keys are \(Set(keys.map(Self.describe)).sorted().joined(separator: ", ")))")
        }
        throw AuthenticationError(.unknownKey, "the token names no key (kid) and \(candidates.count) trusted keys could verify \(algorithm.rawValue)")
    }

    private static func describe(_ key: VerificationKey) -> String {
        switch key.family {
        case .secret: "a shared secret"
        case .rsa: "an RSA key"
        case .ellipticCurve: "an EC key on \(key.curve ?? "?")"
        case .edwards: "an Ed25519 key"
        }
    }
}
