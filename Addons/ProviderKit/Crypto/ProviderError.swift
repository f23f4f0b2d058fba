import PluginAPI

/// A failure of a provider client: its code, a message naming what failed, the cause, and the
/// HTTP status the failure maps to when it reaches a caller (502: the provider failed, 504: it timed out).
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    enum Code: String, Sendable {
        case connectionFailed = "provider_connection_failed"
        case timedOut = "provider_timed_out"
        case tlsFailed = "provider_tls_failed"
        case protocolViolation = "provider_protocol_error"
        case refused = "provider_refused"
        case invalidSignature = "invalid_signature"
        case invalidConfiguration = "provider_invalid_configuration"
    }

    let kind: Code
    /// The machine-readable code, e.g. `provider_timed_out`.
    public var code: String { kind.rawValue }
    /// What failed, for people.
    public let message: String
    /// The underlying error, if any.
    public let cause: (any Error & Sendable)?
    /// The HTTP status a caller should answer with.
    public var status: Int {
        switch kind {
        case .timedOut: 504
        case .invalidSignature: 400
        case .invalidConfiguration: 500
        default: 502
        }
    }

    init(_ kind: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// The same failure as an ``HTTPError``, for the host's one error→JSON path.
    public var httpError: HTTPError { HTTPError(status: status, code: code, message: message) }
}
