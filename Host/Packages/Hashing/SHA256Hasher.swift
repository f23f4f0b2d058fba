import COpenSSL

/// An incremental SHA-256, fed chunk by chunk so that large files never sit whole in memory.
///
/// Non-copyable: it owns an `EVP_MD_CTX`, freed exactly once when the hasher goes away.
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    /// Starts a new digest.
    public init() {
        // Allocation or SHA-256 initialisation failing means libcrypto itself is unusable;
        // nothing sensible can continue, and a throwing init would burden every caller.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            fatalError("EVP_DigestInit_ex(SHA-256) failed: \(OpenSSLCall.drainErrors())")
        }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds bytes to the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let status = EVP_DigestUpdate(context, base, bytes.count)
        precondition(status == 1, "EVP_DigestUpdate failed: \(OpenSSLCall.drainErrors())")
    }

    /// Adds bytes to the digest.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Ends the digest and returns it as 64 lowercase hex characters.
    public consuming func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        precondition(status == 1, "EVP_DigestFinal_ex failed: \(OpenSSLCall.drainErrors())")
        return HexEncoding.encode(digest[0..<Int(length)])
    }

    /// Ends the digest and returns its 32 bytes.
    public consuming func finalizeBytes() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        precondition(status == 1, "EVP_DigestFinal_ex failed: \(OpenSSLCall.drainErrors())")
        return Array(digest[0..<Int(length)])
    }
}
