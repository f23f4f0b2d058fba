import COpenSSL
import PluginAPI

/// Building keys from JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2).
extension VerificationKey {
    /// The key a JWK describes.
    /// - Throws: ``IdentitySetupError`` naming the member that is missing or wrong. RSA keys under
    ///   2048 bits and keys marked for encryption (`use: enc`) are refused.
    public static func jwk(_ object: [String: JSONValue]) throws(IdentitySetupError) -> VerificationKey {
        let id: String? = if case .string(let kid)? = object["kid"] { kid } else { nil }
        if case .string(let use)? = object["use"], use != "sig" {
            throw IdentitySetupError(.invalidKey, "key \(id ?? "without kid") is for \"\(use)\", not signatures")
        }
        var algorithm: JWTAlgorithm?
        if case .string(let name)? = object["alg"] {
            guard let known = JWTAlgorithm(rawValue: name) else {
                throw IdentitySetupError(.invalidKey, "key \(id ?? "without kid") names the algorithm \"\(name)\", which Berth does not verify")
            }
            algorithm = known
        }
        guard case .string(let type)? = object["kty"] else {
            throw IdentitySetupError(.invalidKey, "key \(id ?? "without kid") has no \"kty\"")
        }
        let key: VerificationKey
        switch type {
        case "oct":
            let secret = try member("k", of: object, id)
            key = try .secret(secret, id: id)
            return VerificationKey(id: id, family: .secret, curve: nil, algorithm: algorithm, material: key.material)
        case "RSA":
            let pkey = try rsa(modulus: try member("n", of: object, id), exponent: try member("e", of: object, id))
            let bits = EVP_PKEY_get_bits(pkey)
            guard bits >= 2048 else {
                EVP_PKEY_free(pkey)
                throw IdentitySetupError(.invalidKey, "RSA key \(id ?? "without kid") has \(bits) bits; at least 2048 are required")
            }
            return VerificationKey(id: id, family: .rsa, curve: nil, algorithm: algorithm, material: .publicKey(pkey))
        case "EC":
            guard case .string(let curve)? = object["crv"], let size = ["P-256": 32, "P-384": 48, "P-521": 66][curve] else {
                throw IdentitySetupError(.invalidKey, "EC key \(id ?? "without kid") has no supported \"crv\" (P-256, P-384, P-521)")
            }
            let x = try member("x", of: object, id), y = try member("y", of: object, id)
            guard x.count == size, y.count == size else {
                throw IdentitySetupError(.invalidKey, "EC key \(id ?? "without kid"): x and y must be \(size) bytes on \(curve)")
            }
            let pkey = try ellipticCurve(curve: curve, point: [0x04] + x + y)
            return VerificationKey(id: id, family: .ellipticCurve, curve: curve, algorithm: algorithm, material: .publicKey(pkey))
        case "OKP":
            guard case .string("Ed25519")? = object["crv"] else {
                throw IdentitySetupError(.invalidKey, "OKP key \(id ?? "without kid") must be on Ed25519")
            }
            let x = try member("x", of: object, id)
            guard x.count == 32 else { throw IdentitySetupError(.invalidKey, "Ed25519 key \(id ?? "without kid"): x must be 32 bytes") }
            let pkey = try LibCrypto.require(
                x.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count) },
                "reading Ed25519 key \(id ?? "without kid")"
            )
            return VerificationKey(id: id, family: .edwards, curve: "Ed25519", algorithm: algorithm, material: .publicKey(pkey))
        default:
            throw IdentitySetupError(.invalidKey, "key \(id ?? "without kid") has the type \"\(type)\"; Berth reads oct, RSA, EC and OKP keys")
        }
    }

    private static func member(_ name: String, of object: [String: JSONValue], _ id: String?) throws(IdentitySetupError) -> [UInt8] {
        guard case .string(let text)? = object[name], let bytes = Base64URL.decode(Array(text.utf8)), !bytes.isEmpty else {
            throw IdentitySetupError(.invalidKey, "key \(id ?? "without kid") lacks a base64url \"\(name)\"")
        }
        return bytes
    }

    private static func rsa(modulus: [UInt8], exponent: [UInt8]) throws(IdentitySetupError) -> OpaquePointer {
        let n = try LibCrypto.require(modulus.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }, "BN_bin2bn")
        defer { BN_free(n) }
        let e = try LibCrypto.require(exponent.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }, "BN_bin2bn")
        defer { BN_free(e) }
        return try fromData(type: "RSA") { builder in
            OSSL_PARAM_BLD_push_BN(builder, berth_param_rsa_n(), n) == 1 && OSSL_PARAM_BLD_push_BN(builder, berth_param_rsa_e(), e) == 1
        }
    }

    private static func ellipticCurve(curve: String, point: [UInt8]) throws(IdentitySetupError) -> OpaquePointer {
        // The builder copies values only in OSSL_PARAM_BLD_to_param, so the whole build runs
        // inside the scopes of the curve name's and the point's pointers.
        let built: Result<OpaquePointer, IdentitySetupError> = curve.withCString { name in
            point.withUnsafeBytes { bytes in
                Result { () throws(IdentitySetupError) -> OpaquePointer in
                    try fromData(type: "EC") { builder in
                        OSSL_PARAM_BLD_push_utf8_string(builder, berth_param_group_name(), name, 0) == 1
                            && OSSL_PARAM_BLD_push_octet_string(builder, berth_param_public_key(), bytes.baseAddress, bytes.count) == 1
                    }
                }
            }
        }
        return try built.get()
    }

    /// A public key of `type` from the parameters `push` adds (OpenSSL 3's `EVP_PKEY_fromdata`).
    private static func fromData(type: String, _ push: (OpaquePointer) -> Bool) throws(IdentitySetupError) -> OpaquePointer {
        let builder = try LibCrypto.require(OSSL_PARAM_BLD_new(), "OSSL_PARAM_BLD_new")
        defer { OSSL_PARAM_BLD_free(builder) }
        guard push(builder) else { throw IdentitySetupError(.invalidKey, "building \(type) key parameters failed: \(LibCrypto.drainErrors())") }
        let parameters = try LibCrypto.require(OSSL_PARAM_BLD_to_param(builder), "OSSL_PARAM_BLD_to_param")
        defer { OSSL_PARAM_free(parameters) }
        let context = try LibCrypto.require(EVP_PKEY_CTX_new_from_name(nil, type, nil), "EVP_PKEY_CTX_new_from_name(\(type))")
        defer { EVP_PKEY_CTX_free(context) }
        try LibCrypto.check(EVP_PKEY_fromdata_init(context), "EVP_PKEY_fromdata_init")
        var key: OpaquePointer?
        try LibCrypto.check(EVP_PKEY_fromdata(context, &key, berth_evp_pkey_public_key_selection(), parameters), "reading the \(type) key")
        return try LibCrypto.require(key, "EVP_PKEY_fromdata")
    }
}
