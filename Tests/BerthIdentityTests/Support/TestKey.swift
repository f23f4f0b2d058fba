import COpenSSL
import Foundation

/// A private key made for a test, that signs tokens and describes its public half as a JWK.
final class TestKey: @unchecked Sendable {
    enum Kind { case rsa(bits: Int32), ec(curve: String), ed25519 }

    let kind: Kind
    let pointer: OpaquePointer

    init(_ kind: Kind) {
        self.kind = kind
        let type = switch kind { case .rsa: "RSA"; case .ec: "EC"; case .ed25519: "ED25519" }
        let context = EVP_PKEY_CTX_new_from_name(nil, type, nil)!
        defer { EVP_PKEY_CTX_free(context) }
        precondition(EVP_PKEY_keygen_init(context) == 1)
        switch kind {
        case .rsa(let bits): precondition(EVP_PKEY_CTX_set_rsa_keygen_bits(context, bits) == 1)
        case .ec(let curve): precondition(EVP_PKEY_CTX_set_group_name(context, curve) == 1)
        case .ed25519: break
        }
        var key: OpaquePointer?
        precondition(EVP_PKEY_keygen(context, &key) == 1)
        pointer = key!
    }

    deinit { EVP_PKEY_free(pointer) }

    /// The public JWK, with `kid` and any extra members.
    func jwk(kid: String?, extra: [String: String] = [:]) -> [String: String] {
        var members: [String: String] = [:]
        switch kind {
        case .rsa:
            members["kty"] = "RSA"
            members["n"] = b64(bignum("n"))
            members["e"] = b64(bignum("e"))
        case .ec(let curve):
            let size = curve == "P-256" ? 32 : curve == "P-384" ? 48 : 66
            var point = [UInt8](repeating: 0, count: 1 + 2 * size)
            var length = 0
            precondition(EVP_PKEY_get_octet_string_param(pointer, "pub", &point, point.count, &length) == 1 && length == point.count)
            members["kty"] = "EC"
            members["crv"] = curve
            members["x"] = b64(point[1 ... size])
            members["y"] = b64(point[(1 + size)...])
        case .ed25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var length = 32
            precondition(EVP_PKEY_get_raw_public_key(pointer, &raw, &length) == 1)
            members["kty"] = "OKP"
            members["crv"] = "Ed25519"
            members["x"] = b64(raw)
        }
        if let kid { members["kid"] = kid }
        return members.merging(extra) { _, new in new }
    }

    private func bignum(_ name: String) -> [UInt8] {
        var number: OpaquePointer?
        precondition(EVP_PKEY_get_bn_param(pointer, name, &number) == 1)
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
        BN_bn2bin(number, &bytes)
        return bytes
    }

    /// The JOSE signature of `input` with `algorithm` ("RS256", "PS256", "ES256", "EdDSA", …).
    func sign(_ input: [UInt8], algorithm: String) -> [UInt8] {
        let digest: OpaquePointer? = switch algorithm.suffix(3) {
        case "256": EVP_sha256()
        case "384": EVP_sha384()
        case "512": EVP_sha512()
        default: nil
        }
        let context = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        precondition(EVP_DigestSignInit(context, &keyContext, digest, nil, pointer) == 1)
        if algorithm.hasPrefix("PS") {
            precondition(EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1)
            precondition(EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1)
        }
        var length = 0
        precondition(EVP_DigestSign(context, nil, &length, input, input.count) == 1)
        var signature = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(context, &signature, &length, input, input.count) == 1)
        signature.removeLast(signature.count - length)
        guard case .ec(let curve) = kind else { return signature }
        // libcrypto signs in DER; JOSE wants R || S at the curve's size.
        let size = curve == "P-256" ? 32 : curve == "P-384" ? 48 : 66
        var cursor: UnsafePointer<UInt8>? = signature.withUnsafeBufferPointer { $0.baseAddress }
        let parsed = signature.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }!
        defer { ECDSA_SIG_free(parsed) }
        var raw = [UInt8](repeating: 0, count: 2 * size)
        raw.withUnsafeMutableBufferPointer { buffer in
            _ = BN_bn2binpad(ECDSA_SIG_get0_r(parsed), buffer.baseAddress, Int32(size))
            _ = BN_bn2binpad(ECDSA_SIG_get0_s(parsed), buffer.baseAddress! + size, Int32(size))
        }
        return raw
    }
}

/// Unpadded base64url, written independently of the module under test.
func b64<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

func b64(_ text: String) -> String { b64(Array(text.utf8)) }

/// HMAC of `input` with `secret` for "HS256" / "HS384" / "HS512".
func hmac(_ input: [UInt8], secret: [UInt8], algorithm: String) -> [UInt8] {
    let digest = switch algorithm { case "HS384": EVP_sha384(); case "HS512": EVP_sha512(); default: EVP_sha256() }
    var output = [UInt8](repeating: 0, count: 64)
    var length: UInt32 = 0
    _ = HMAC(digest, secret, Int32(secret.count), input, input.count, &output, &length)
    return Array(output[..<Int(length)])
}
