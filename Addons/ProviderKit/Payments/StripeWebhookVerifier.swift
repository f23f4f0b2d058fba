import Foundation
import PluginAPI

/// Verifies Stripe webhook deliveries by the documented `Stripe-Signature` scheme: the header
/// `t=<unix time>,v1=<hex>[,v1=<hex>…]`, each `v1` an HMAC-SHA256 under an endpoint secret of
/// `"<t>.<raw body>"`. Any `v1` matching any configured secret passes (several `v1` and several
/// secrets during a rotation); `t` must be within ``tolerance`` of now; comparisons run in
/// constant time; the body is not parsed until its signature holds.
public struct StripeWebhookVerifier: Sendable {
    /// The endpoint secrets (`whsec_…`) accepted: the current one and, during a rotation, the old.
    public let secrets: [String]
    /// Largest accepted difference between `t` and now (Stripe's libraries use 300 s).
    public let tolerance: Duration
    let now: @Sendable () -> Double

    /// Creates a verifier.
    public init(secrets: [String], tolerance: Duration = .seconds(300), now: @escaping @Sendable () -> Double = { WallClock.unixSeconds() }) {
        self.secrets = secrets
        self.tolerance = tolerance
        self.now = now
    }

    /// Throws ``ProviderError`` (`invalid_signature`, 400) unless `header` signs `body`.
    public func verify(body: [UInt8], header: String?) throws {
        guard !secrets.isEmpty else { throw ProviderError(.invalidConfiguration, "no Stripe webhook secret is configured") }
        guard let header, !header.isEmpty else { throw invalid("the Stripe-Signature header is missing") }
        var timestamp: String?
        var candidates = [[UInt8]]()
        for item in header.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces), value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "t" { timestamp = value }
            if name == "v1", let bytes = Self.hexBytes(value) { candidates.append(bytes) }
        }
        guard let timestamp, let seconds = Int(timestamp) else { throw invalid("the Stripe-Signature header has no t= time stamp") }
        guard !candidates.isEmpty else { throw invalid("the Stripe-Signature header has no v1= signature") }
        let age = abs(now() - Double(seconds))
        guard age <= Double(tolerance.components.seconds) else {
            throw invalid("the signature's time stamp is \(Int(age)) s away from now (tolerance \(tolerance.components.seconds) s)")
        }
        let signed = Array("\(timestamp).".utf8) + body
        var matched = false
        // Every secret against every candidate, without stopping early: the time taken does not
        // tell which one matched.
        for secret in secrets {
            let expected = Digest.hmacSHA256(key: Array(secret.utf8), signed)
            for candidate in candidates where Digest.constantTimeEqual(expected, candidate) { matched = true }
        }
        guard matched else { throw invalid("no v1 signature matches the configured webhook secret(s)") }
    }

    /// Verifies the delivery, then decodes its event (`id`, `type`, `data.object`).
    public func event(body: [UInt8], headers: HTTPHeaders) throws -> PaymentEvent {
        try verify(body: body, header: headers["Stripe-Signature"])
        guard case .object(let event)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            throw ProviderError(.protocolViolation, "the webhook body is signed but is not a JSON object")
        }
        guard case .string(let id)? = event["id"], case .string(let type)? = event["type"] else {
            throw ProviderError(.protocolViolation, "the webhook event has no id or type")
        }
        var object = JSONValue.null
        if case .object(let data)? = event["data"], let inner = data["object"] { object = inner }
        return PaymentEvent(id: id, type: type, data: object)
    }

    func invalid(_ message: String) -> ProviderError { ProviderError(.invalidSignature, message) }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
