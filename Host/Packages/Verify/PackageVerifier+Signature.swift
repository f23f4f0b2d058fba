import Foundation

extension PackageVerifier {
    /// The trusted key that signed `manifest`, or why there is none.
    ///
    /// The manifest's `signingKey` is read before the signature is checked, but only as a hint to
    /// pick the key (and to name it in `untrusted_key`); nothing else in the manifest is looked at
    /// until the signature verifies.
    func checkSignature(_ signature: [UInt8], of manifest: [UInt8]) throws(PackageError) -> PublicKey {
        guard signature.count == 64 else {
            throw PackageError.badSignature("manifest.sig is \(signature.count) bytes; an Ed25519 signature is 64")
        }
        if let keyID = Self.signingKeyHint(in: manifest) {
            guard let key = trustStore.key(id: keyID) else { throw PackageError.untrustedKey(keyID) }
            guard key.verify(signature: signature, message: manifest) else {
                throw PackageError.badSignature("it does not match the manifest under key \(keyID)")
            }
            return key
        }
        guard let key = trustStore.keys.first(where: { $0.verify(signature: signature, message: manifest) }) else {
            throw PackageError.untrustedKeyUnnamed()
        }
        return key
    }

    private struct SigningKeyHint: Decodable {
        let signingKey: String?
    }

    /// `signingKey` from the manifest if it is readable JSON with that field as a string.
    private static func signingKeyHint(in manifest: [UInt8]) -> String? {
        (try? JSONDecoder().decode(SigningKeyHint.self, from: Data(manifest)))?.signingKey
    }
}
