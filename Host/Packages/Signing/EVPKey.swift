import COpenSSL

/// The internal layer over libcrypto's `EVP_PKEY` for Ed25519: owns one key object, frees it once,
/// and turns every failed call into a ``PackageError`` built by the caller's `makeError`.
///
/// Public types (``SigningKey``, ``PublicKey``) keep only raw key bytes and build an `EVPKey` per
/// operation, so they stay plain `Sendable` values with no C lifetime to manage.
struct EVPKey: ~Copyable {
    typealias MakeError = (String) -> PackageError

    let pointer: OpaquePointer

    private init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// A fresh random Ed25519 key pair.
    static func generate() throws(PackageError) -> EVPKey {
        let make = OpenSSLCall.internalError
        let context = try OpenSSLCall.require(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil), "EVP_PKEY_CTX_new_id", makeError: make)
        defer { EVP_PKEY_CTX_free(context) }
        try OpenSSLCall.check(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init", makeError: make)
        var key: OpaquePointer?
        try OpenSSLCall.check(EVP_PKEY_keygen(context, &key), "EVP_PKEY_keygen", makeError: make)
        return EVPKey(owning: try OpenSSLCall.require(key, "EVP_PKEY_keygen", makeError: make))
    }

    /// A key from its 32 raw private bytes.
    static func fromRawPrivate(_ bytes: [UInt8], makeError: MakeError) throws(PackageError) -> EVPKey {
        let key = bytes.withUnsafeBufferPointer { EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count) }
        return EVPKey(owning: try OpenSSLCall.require(key, "EVP_PKEY_new_raw_private_key", makeError: makeError))
    }

    /// A key from its 32 raw public bytes.
    static func fromRawPublic(_ bytes: [UInt8], makeError: MakeError) throws(PackageError) -> EVPKey {
        let key = bytes.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count) }
        return EVPKey(owning: try OpenSSLCall.require(key, "EVP_PKEY_new_raw_public_key", makeError: makeError))
    }

    /// Parses a PEM private key (PKCS#8) and insists that it is Ed25519.
    static func fromPrivatePEM(_ pem: [UInt8], makeError: MakeError) throws(PackageError) -> EVPKey {
        let key = MemoryBIO.reading(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil) }
        return try requireEd25519(try OpenSSLCall.require(key, "reading a PEM private key", makeError: makeError), makeError: makeError)
    }

    /// Parses a PEM public key (SubjectPublicKeyInfo) and insists that it is Ed25519.
    static func fromPublicPEM(_ pem: [UInt8], makeError: MakeError) throws(PackageError) -> EVPKey {
        let key = MemoryBIO.reading(pem) { bio in PEM_read_bio_PUBKEY(bio, nil, refusePassphrase, nil) }
        return try requireEd25519(try OpenSSLCall.require(key, "reading a PEM public key", makeError: makeError), makeError: makeError)
    }

    private static func requireEd25519(_ pointer: OpaquePointer, makeError: MakeError) throws(PackageError) -> EVPKey {
        let key = EVPKey(owning: pointer)
        guard EVP_PKEY_get_id(key.pointer) == EVP_PKEY_ED25519 else {
            throw makeError("not an Ed25519 key (OpenSSL key type \(EVP_PKEY_get_id(key.pointer)))")
        }
        return key
    }

    /// The 32 raw private bytes.
    func rawPrivate() throws(PackageError) -> [UInt8] {
        try rawBytes(EVP_PKEY_get_raw_private_key, "EVP_PKEY_get_raw_private_key")
    }

    /// The 32 raw public bytes.
    func rawPublic() throws(PackageError) -> [UInt8] {
        try rawBytes(EVP_PKEY_get_raw_public_key, "EVP_PKEY_get_raw_public_key")
    }

    private func rawBytes(
        _ get: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?) -> Int32,
        _ what: String
    ) throws(PackageError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        var length = bytes.count
        let status = bytes.withUnsafeMutableBufferPointer { get(pointer, $0.baseAddress, &length) }
        try OpenSSLCall.check(status, what, makeError: OpenSSLCall.internalError)
        return Array(bytes[0..<length])
    }

    /// PKCS#8 PEM of the private key, unencrypted: file permissions protect it, as with SSH keys.
    func privatePEM() throws(PackageError) -> [UInt8] {
        try MemoryBIO.writing(what: "PEM_write_bio_PrivateKey") { bio in
            PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
        }
    }

    /// SubjectPublicKeyInfo PEM of the public key.
    func publicPEM() throws(PackageError) -> [UInt8] {
        try MemoryBIO.writing(what: "PEM_write_bio_PUBKEY") { bio in PEM_write_bio_PUBKEY(bio, pointer) }
    }
}

/// PEM reading must never fall back to prompting on the terminal for a passphrase.
private let refusePassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in 0 }
