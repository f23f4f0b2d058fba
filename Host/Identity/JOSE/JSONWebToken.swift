import PluginAPI

/// A compact JWS (RFC 7515 §7.1) taken apart, not yet trusted: the header, the claims, the bytes
/// that were signed and the signature.
struct JSONWebToken: Sendable {
    let algorithm: JWTAlgorithm
    let keyID: String?
    let claims: [String: JSONValue]
    /// `BASE64URL(header) "." BASE64URL(payload)`, exactly as received.
    let signingInput: [UInt8]
    let signature: [UInt8]

    /// Splits and decodes `token`.
    /// - Throws: ``AuthenticationError`` (`oversized`, `malformed`, `unsupported_algorithm`,
    ///   `invalid_key_id`) before any key is looked at.
    init(parsing token: some StringProtocol, maxBytes: Int) throws(AuthenticationError) {
        try self.init(parsing: Array(token.utf8), maxBytes: maxBytes)
    }

    /// Splits and decodes the token whose text is `bytes`.
    init(parsing bytes: some RandomAccessCollection<UInt8>, maxBytes: Int) throws(AuthenticationError) {
        let bytes = Array(bytes)
        guard bytes.count <= maxBytes else {
            throw AuthenticationError(.oversized, "the token has \(bytes.count) bytes; at most \(maxBytes) are accepted")
        }
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else {
            throw AuthenticationError(.malformed, dots.count == 4
                ? "encrypted tokens (JWE) are not accepted; send a signed JWT"
                : "a JWT has three base64url parts separated by dots")
        }
        let headerPart = bytes[..<dots[0]]
        let payloadPart = bytes[(dots[0] + 1) ..< dots[1]]
        let signaturePart = bytes[(dots[1] + 1)...]
        guard !headerPart.isEmpty, !payloadPart.isEmpty else {
            throw AuthenticationError(.malformed, "the token's header or payload is empty")
        }
        guard let headerBytes = Base64URL.decode(headerPart), let payloadBytes = Base64URL.decode(payloadPart),
              let signature = Base64URL.decode(signaturePart) else {
            throw AuthenticationError(.malformed, "a part of the token is not canonical unpadded base64url")
        }
        let header = try Self.object(headerBytes, "header")
        guard case .string(let name)? = header["alg"] else {
            throw AuthenticationError(.malformed, "the token's header has no \"alg\" string")
        }
        self.algorithm = try JWTAlgorithm.named(name)
        if let critical = header["crit"] {
            // RFC 7515 §4.1.11: an extension the verifier does not understand must fail.
            throw AuthenticationError(.malformed, "the token requires header extensions Berth does not implement (crit: \(critical))")
        }
        switch header["kid"] {
        case nil: keyID = nil
        case .string(let kid)?: keyID = try Self.validKeyID(kid)
        default: throw AuthenticationError(.malformed, "the token's \"kid\" is not a string")
        }
        guard !signature.isEmpty else {
            throw AuthenticationError(.badSignature, "the token carries no signature")
        }
        self.claims = try Self.object(payloadBytes, "payload")
        self.signingInput = Array(bytes[..<dots[1]])
        self.signature = signature
    }

    /// A key id is looked up, never used as a path or in SQL; anything but a plain identifier
    /// is refused so that logs and lookups never meet a crafted one.
    static func validKeyID(_ kid: String) throws(AuthenticationError) -> String {
        let allowed = kid.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "~"): true
            default: false
            }
        }
        guard !kid.isEmpty, kid.utf8.count <= 128, allowed, !kid.contains("..") else {
            throw AuthenticationError(.invalidKeyID, "the token's \"kid\" must be 1–128 characters of letters, digits and - _ . + = : ~")
        }
        return kid
    }

    private static func object(_ bytes: [UInt8], _ part: String) throws(AuthenticationError) -> [String: JSONValue] {
        guard let value = CompactJSON.parse(bytes) else {
            throw AuthenticationError(.malformed, "the token's \(part) is not JSON")
        }
        guard case .object(let object) = value else {
            throw AuthenticationError(.malformed, "the token's \(part) is not a JSON object")
        }
        return object
    }
}
