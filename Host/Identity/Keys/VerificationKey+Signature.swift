import COpenSSL

/// Checking a token's signature with a key.
extension VerificationKey {
    /// Whether `signature` is `algorithm`'s signature of `input` under this key. A wrong signature
    /// is `false`; only the host's own failures (allocation) throw.
    func verifies(_ signature: [UInt8], of input: [UInt8], with algorithm: JWTAlgorithm) throws(IdentitySetupError) -> Bool {
        defer { LibCrypto.clearErrors() }
        switch material {
        case .secret:
            return try hmacMatches(signature, of: input, digest: algorithm)
        case .publicKey(let key):
            switch algorithm.keyFamily {
            case .ellipticCurve:
                // JOSE carries R || S at the curve's size; libcrypto wants DER (RFC 7518 §3.4).
                guard let der = Self.derSignature(fromJOSE: signature, curve: algorithm.curve) else { return false }
                return try Self.digestVerify(der, of: input, key: key, digest: Self.digest(algorithm), padding: nil)
            case .edwards:
                return try Self.digestVerify(signature, of: input, key: key, digest: nil, padding: nil)
            case .rsa:
                let pss = [.ps256, .ps384, .ps512].contains(algorithm)
                return try Self.digestVerify(signature, of: input, key: key, digest: Self.digest(algorithm), padding: pss ? RSA_PKCS1_PSS_PADDING : nil)
            case .secret:
                return false
            }
        }
    }

    private static func digest(_ algorithm: JWTAlgorithm) -> OpaquePointer? {
        switch algorithm.digestBytes {
        case 32: EVP_sha256()
        case 48: EVP_sha384()
        case 64: EVP_sha512()
        default: nil
        }
    }

    private func hmacMatches(_ signature: [UInt8], of input: [UInt8], digest algorithm: JWTAlgorithm) throws(IdentitySetupError) -> Bool {
        guard signature.count == algorithm.digestBytes, let macs else { return false }
        return try withUnsafeTemporaryAllocation(byteCount: Int(EVP_MAX_MD_SIZE), alignment: 16) { (output) throws(IdentitySetupError) -> Bool in
            let length = input.withUnsafeBytes { macs.authenticate($0, digestBytes: algorithm.digestBytes, into: output) }
            guard let length, length == signature.count else { throw IdentitySetupError(.invalidKey, "HMAC failed: \(LibCrypto.drainErrors())") }
            return signature.withUnsafeBytes { CRYPTO_memcmp($0.baseAddress, output.baseAddress, length) == 0 }
        }
    }

    private static func digestVerify(_ signature: [UInt8], of input: [UInt8], key: OpaquePointer, digest: OpaquePointer?, padding: Int32?) throws(IdentitySetupError) -> Bool {
        let context = try LibCrypto.require(EVP_MD_CTX_new(), "EVP_MD_CTX_new")
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, digest, nil, key) == 1 else { return false }
        if let padding {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, padding) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1 else {
                throw IdentitySetupError(.invalidKey, "configuring RSA-PSS failed: \(LibCrypto.drainErrors())")
            }
        }
        let status = signature.withUnsafeBufferPointer { signature in
            input.withUnsafeBufferPointer { data in
                EVP_DigestVerify(context, signature.baseAddress, signature.count, data.baseAddress, data.count)
            }
        }
        return status == 1
    }

    /// The DER `ECDSA-Sig-Value` of a JOSE `R || S` signature, or nil if its length is not the
    /// curve's.
    private static func derSignature(fromJOSE signature: [UInt8], curve: String?) -> [UInt8]? {
        guard let size = ["P-256": 32, "P-384": 48, "P-521": 66][curve ?? ""], signature.count == 2 * size else { return nil }
        guard let value = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(value) }
        let r = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(size), nil) }
        let s = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + size, Int32(size), nil) }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        guard ECDSA_SIG_set0(value, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(value, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(value, &cursor)
        }
        return written == length ? der : nil
    }
}
