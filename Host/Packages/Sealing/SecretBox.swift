import COpenSSL

/// Authenticated encryption of small secrets at rest: AES-256-GCM through OpenSSL's EVP interface,
/// with a fresh random 96-bit nonce per message. A sealed message is `nonce ‖ ciphertext ‖ tag`;
/// opening one that was changed, cut, or sealed with another key fails.
public struct SecretBox: Sendable {
    /// Why sealing or opening failed.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, for people.
        public let description: String
    }

    /// Bytes of a key.
    public static let keyLength = 32
    private static let nonceLength = 12
    private static let tagLength = 16

    private let key: [UInt8]

    /// A box for `key` (``keyLength`` bytes).
    public init(key: [UInt8]) throws(Failure) {
        guard key.count == Self.keyLength else { throw Failure(description: "a sealing key has \(Self.keyLength) bytes, not \(key.count)") }
        self.key = key
    }

    /// ``keyLength`` bytes from OpenSSL's CSPRNG.
    public static func randomKey() throws(Failure) -> [UInt8] {
        try randomBytes(keyLength)
    }

    /// Encrypts and authenticates `plaintext`; `context` is authenticated too (not stored), so a
    /// sealed value moved to another context does not open.
    public func seal(_ plaintext: [UInt8], context: [UInt8] = []) throws(Failure) -> [UInt8] {
        let nonce = try Self.randomBytes(Self.nonceLength)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        let written = try Self.run(encrypting: true, key: key, nonce: nonce, context: context, input: plaintext, output: &ciphertext, tag: &tag)
        return nonce + ciphertext[..<written] + tag
    }

    /// Checks and decrypts what ``seal(_:context:)`` produced with the same key and context.
    public func open(_ sealed: [UInt8], context: [UInt8] = []) throws(Failure) -> [UInt8] {
        guard sealed.count >= Self.nonceLength + Self.tagLength else { throw Failure(description: "the sealed value is too short (\(sealed.count) bytes)") }
        let nonce = Array(sealed[..<Self.nonceLength])
        let body = Array(sealed[Self.nonceLength ..< (sealed.count - Self.tagLength)])
        var tag = Array(sealed[(sealed.count - Self.tagLength)...])
        var plaintext = [UInt8](repeating: 0, count: body.count + 16)
        let written = try Self.run(encrypting: false, key: key, nonce: nonce, context: context, input: body, output: &plaintext, tag: &tag)
        return Array(plaintext[..<written])
    }

    private static func run(
        encrypting: Bool, key: [UInt8], nonce: [UInt8], context: [UInt8], input: [UInt8], output: inout [UInt8], tag: inout [UInt8]
    ) throws(Failure) -> Int {
        guard let cipher = EVP_CIPHER_CTX_new() else { throw Failure(description: "EVP_CIPHER_CTX_new failed: out of memory") }
        defer { EVP_CIPHER_CTX_free(cipher) }
        let initialise = encrypting ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        let update = encrypting ? EVP_EncryptUpdate : EVP_DecryptUpdate
        guard initialise(cipher, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceLength), nil) == 1,
              initialise(cipher, nil, nil, key, nonce) == 1
        else { throw Failure(description: "AES-256-GCM setup failed: \(OpenSSLCall.drainErrors())") }
        var length: Int32 = 0
        if !context.isEmpty {
            guard update(cipher, nil, &length, context, Int32(context.count)) == 1 else { throw Failure(description: "AES-256-GCM failed: \(OpenSSLCall.drainErrors())") }
        }
        var written = 0
        if !input.isEmpty {
            let status = output.withUnsafeMutableBufferPointer { update(cipher, $0.baseAddress, &length, input, Int32(input.count)) }
            guard status == 1 else { throw Failure(description: "AES-256-GCM failed: \(OpenSSLCall.drainErrors())") }
            written = Int(length)
        }
        if encrypting {
            let status = output.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(cipher, $0.baseAddress! + written, &length) }
            guard status == 1 else { throw Failure(description: "AES-256-GCM failed: \(OpenSSLCall.drainErrors())") }
            written += Int(length)
            guard tag.withUnsafeMutableBytes({ EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), $0.baseAddress) }) == 1 else {
                throw Failure(description: "AES-256-GCM tag failed: \(OpenSSLCall.drainErrors())")
            }
        } else {
            guard tag.withUnsafeMutableBytes({ EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), $0.baseAddress) }) == 1 else {
                throw Failure(description: "AES-256-GCM tag failed: \(OpenSSLCall.drainErrors())")
            }
            let status = output.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(cipher, $0.baseAddress! + written, &length) }
            guard status == 1 else {
                _ = OpenSSLCall.drainErrors()
                throw Failure(description: "the sealed value does not open with this key: it was changed, or sealed with another key")
            }
            written += Int(length)
        }
        return written
    }

    private static func randomBytes(_ count: Int) throws(Failure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard bytes.withUnsafeMutableBufferPointer({ RAND_bytes($0.baseAddress, Int32(count)) }) == 1 else {
            throw Failure(description: "RAND_bytes failed: \(OpenSSLCall.drainErrors())")
        }
        return bytes
    }
}
