/// Why a bearer token was refused.
///
/// Every refusal reaches the client as `401` (or `503` when the keys could not be fetched) with a
/// `WWW-Authenticate` field naming the reason class, and never reaches the addon. Messages say what
/// was wrong with the token, never what a valid one would contain.
public struct AuthenticationError: Error, Sendable, CustomStringConvertible {
    /// The class of a refusal; its ``rawValue`` is the `error_description` sent to the client.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case missing = "missing_token"
            case malformed = "malformed_token"
            case oversized = "oversized_token"
            case unsupportedAlgorithm = "unsupported_algorithm"
            case algorithmMismatch = "algorithm_key_mismatch"
            case unknownKey = "unknown_key"
            case invalidKeyID = "invalid_key_id"
            case badSignature = "bad_signature"
            case expired = "token_expired"
            case notYetValid = "token_not_yet_valid"
            case wrongIssuer = "wrong_issuer"
            case wrongAudience = "wrong_audience"
            case missingClaim = "missing_claim"
            case keysUnavailable = "keys_unavailable"
        }

        private let value: Value

        /// No token was presented where one is required.
        public static let missing = Code(value: .missing)
        /// Not three base64url parts of JSON, or a header or claim of the wrong type.
        public static let malformed = Code(value: .malformed)
        /// Longer than the largest token accepted.
        public static let oversized = Code(value: .oversized)
        /// `alg` is `none` (in any spelling) or an algorithm Berth does not verify.
        public static let unsupportedAlgorithm = Code(value: .unsupportedAlgorithm)
        /// `alg` does not fit the key's type (e.g. HS256 presented against an RSA key).
        public static let algorithmMismatch = Code(value: .algorithmMismatch)
        /// `kid` names no trusted key, or the token names none and no single key fits.
        public static let unknownKey = Code(value: .unknownKey)
        /// `kid` is not a plain identifier (path separators, quotes, control characters…).
        public static let invalidKeyID = Code(value: .invalidKeyID)
        /// The signature does not verify: the token was tampered with or signed by another key.
        public static let badSignature = Code(value: .badSignature)
        /// `exp` has passed, beyond the allowed clock skew.
        public static let expired = Code(value: .expired)
        /// `nbf` is still ahead, beyond the allowed clock skew.
        public static let notYetValid = Code(value: .notYetValid)
        /// `iss` is not the configured issuer.
        public static let wrongIssuer = Code(value: .wrongIssuer)
        /// `aud` does not include the configured audience.
        public static let wrongAudience = Code(value: .wrongAudience)
        /// A claim Berth requires (`sub`, `exp`) is absent.
        public static let missingClaim = Code(value: .missingClaim)
        /// The key set could not be read or fetched, so no token can be verified now.
        public static let keysUnavailable = Code(value: .keysUnavailable)

        /// The stable name of the class, e.g. `token_expired`.
        public var rawValue: String { value.rawValue }
        /// The stable name of the class.
        public var description: String { value.rawValue }
    }

    /// The class of the refusal.
    public let code: Code
    /// What was wrong, for logs and the JSON error body.
    public let message: String
    /// The underlying failure, when there is one (an OpenSSL or transfer error).
    public let cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `401`, or `503` when the keys were unavailable (the token may be fine).
    public var status: Int { code == .keysUnavailable ? 503 : 401 }

    /// The `WWW-Authenticate` value of RFC 6750 §3: `invalid_request` for a missing token's
    /// absence of detail, `invalid_token` with the reason class otherwise.
    public var wwwAuthenticate: String {
        if code == .missing { return "Bearer realm=\"berth\"" }
        return "Bearer realm=\"berth\", error=\"invalid_token\", error_description=\"\(code.rawValue)\""
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
