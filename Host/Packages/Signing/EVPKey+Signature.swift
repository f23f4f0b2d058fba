import COpenSSL

extension EVPKey {
    /// Ed25519 signs the message itself (no pre-hash), hence the `NULL` digest below.
    func sign(_ message: [UInt8]) throws(PackageError) -> [UInt8] {
        let make = OpenSSLCall.internalError
        let context = try OpenSSLCall.require(EVP_MD_CTX_new(), "EVP_MD_CTX_new", makeError: make)
        defer { EVP_MD_CTX_free(context) }
        try OpenSSLCall.check(EVP_DigestSignInit(context, nil, nil, nil, pointer), "EVP_DigestSignInit", makeError: make)
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        let status = signature.withUnsafeMutableBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestSign(context, sig.baseAddress, &length, msg.baseAddress, msg.count)
            }
        }
        try OpenSSLCall.check(status, "EVP_DigestSign", makeError: make)
        return Array(signature[0..<length])
    }

    /// `true` only for a valid signature; a malformed one is simply not valid.
    func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, pointer) == 1 else {
            _ = OpenSSLCall.drainErrors()
            return false
        }
        let status = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        // A failed verification leaves an entry in OpenSSL's queue; clear it so it cannot leak
        // into the message of an unrelated later error.
        _ = OpenSSLCall.drainErrors()
        return status == 1
    }
}
