/// An Ed25519 public key that verifies package signatures.
///
/// Equal keys have equal ``rawBytes``; ``id`` is the short name manifests and errors use.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 raw key bytes.
    public let rawBytes: [UInt8]

    /// The first 16 hex characters of the SHA-256 of ``rawBytes``, e.g. `3fa9c0…`.
    public let id: String

    /// A key from its 32 raw bytes; throws `invalid_key_file` if libcrypto refuses them.
    public init(rawBytes: [UInt8]) throws(PackageError) {
        guard rawBytes.count == 32 else {
            throw PackageError.invalidKeyFile("raw bytes", "an Ed25519 public key is 32 bytes, got \(rawBytes.count)")
        }
        self.rawBytes = rawBytes
        self.id = String(SHA256Digest.hex(rawBytes).prefix(16))
    }

    /// Parses a PEM public key (SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----`).
    ///
    /// Throws `invalid_key_file` naming `source` if the bytes are not an Ed25519 public key.
    public init(pem: [UInt8], source: String = "PEM data") throws(PackageError) {
        let make: EVPKey.MakeError = { PackageError.invalidKeyFile(source, $0) }
        let key = try EVPKey.fromPublicPEM(pem, makeError: make)
        try self.init(rawBytes: try key.rawPublic())
    }

    /// Reads a PEM public key file; errors name the file.
    public init(pemFile path: String) throws(PackageError) {
        try self.init(pem: try KeyFile.read(path), source: path)
    }

    /// The key as PEM.
    public var pemData: [UInt8] {
        get throws(PackageError) {
            try EVPKey.fromRawPublic(rawBytes, makeError: OpenSSLCall.internalError).publicPEM()
        }
    }

    /// Writes ``pemData`` to a new file (mode 0644).
    public func writePEM(to path: String) throws(PackageError) {
        try KeyFile.write(try pemData, to: path, mode: 0o644)
    }

    /// `true` if `signature` is this key's Ed25519 signature of `message`.
    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard signature.count == 64,
              let key = try? EVPKey.fromRawPublic(rawBytes, makeError: OpenSSLCall.internalError)
        else { return false }
        return key.verify(signature: signature, message: message)
    }

    /// The key's id.
    public var description: String { "PublicKey(\(id))" }
}
