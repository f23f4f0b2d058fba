/// An Ed25519 private key that signs package manifests.
///
/// Holds the 32 raw private bytes only; each operation builds (and frees) a libcrypto key, so the
/// value is freely copyable and `Sendable`. Its description never prints the secret.
public struct SigningKey: Sendable, CustomStringConvertible {
    private let rawPrivateKey: [UInt8]

    /// The matching public key, to put in trust stores.
    public let publicKey: PublicKey

    private init(key: borrowing EVPKey) throws(PackageError) {
        rawPrivateKey = try key.rawPrivate()
        publicKey = try PublicKey(rawBytes: try key.rawPublic())
    }

    /// A new random key.
    public static func generate() throws(PackageError) -> SigningKey {
        try SigningKey(key: try EVPKey.generate())
    }

    /// Parses a PKCS#8 PEM private key (as written by ``pemData`` or `openssl genpkey -algorithm ed25519`).
    ///
    /// Throws `invalid_key_file` naming `source` if the bytes are not an unencrypted Ed25519 key.
    public init(pem: [UInt8], source: String = "PEM data") throws(PackageError) {
        let make: EVPKey.MakeError = { PackageError.invalidKeyFile(source, $0) }
        try self.init(key: try EVPKey.fromPrivatePEM(pem, makeError: make))
    }

    /// Reads a PEM private key file; errors name the file.
    public init(pemFile path: String) throws(PackageError) {
        try self.init(pem: try KeyFile.read(path), source: path)
    }

    /// The key as PKCS#8 PEM, unencrypted; store it with mode 0600 (see ``writePEM(to:)``).
    public var pemData: [UInt8] {
        get throws(PackageError) {
            let make: EVPKey.MakeError = OpenSSLCall.internalError
            return try EVPKey.fromRawPrivate(rawPrivateKey, makeError: make).privatePEM()
        }
    }

    /// Writes ``pemData`` to a new file readable only by its owner.
    public func writePEM(to path: String) throws(PackageError) {
        try KeyFile.write(try pemData, to: path, mode: 0o600)
    }

    /// Signs `bytes` (for a package, the exact bytes of `manifest.json`); 64 bytes.
    public func sign(_ bytes: [UInt8]) throws(PackageError) -> [UInt8] {
        try EVPKey.fromRawPrivate(rawPrivateKey, makeError: OpenSSLCall.internalError).sign(bytes)
    }

    /// Names the key by its public id only.
    public var description: String { "SigningKey(\(publicKey.id))" }
}
