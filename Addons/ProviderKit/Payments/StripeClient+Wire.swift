import Foundation
import PluginAPI

/// Stripe's error answer (`{"error":{"type","code","message","param"}}`) with its HTTP status.
public struct StripeAPIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status, e.g. 402 for a declined card.
    public let status: Int
    /// Stripe's error type, e.g. `invalid_request_error`.
    public let type: String
    /// Stripe's error code, e.g. `resource_missing`.
    public let code: String?
    /// Stripe's message.
    public let message: String
    /// The parameter at fault, if Stripe named one.
    public let param: String?

    /// `Stripe <status> <type>/<code>: <message>`.
    public var description: String { "Stripe \(status) \(type)/\(code ?? "-"): \(message)" + (param.map { " (param \($0))" } ?? "") }

    /// As an ``HTTPError`` for the host's error path: 502, naming Stripe's code and message.
    public var httpError: HTTPError { HTTPError(status: 502, code: "payment_provider_error", message: description) }
}

extension JSONValue {
    /// The string of a `.string`, else `nil`.
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    /// The number of a `.number`, else `nil`.
    var numberValue: Double? { if case .number(let value) = self { value } else { nil } }
    /// A member of an object.
    subscript(_ key: String) -> JSONValue? { if case .object(let fields) = self { fields[key] } else { nil } }
}

extension StripeClient {
    /// Sends `request` within ``timeout`` and returns the JSON object answered, or throws
    /// ``StripeAPIError`` for an error answer.
    func call(_ request: OutgoingRequest, _ what: String) async throws -> [String: JSONValue] {
        let client = http
        let response: Response
        do {
            response = try await withDeadline(timeout, "Stripe: \(what)") { try await client.send(request) }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(.connectionFailed, "Stripe: \(what) failed: \(error)", cause: error)
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)) else {
            throw ProviderError(.protocolViolation, "Stripe: \(what) answered \(response.status) without a JSON object")
        }
        guard (200..<300).contains(response.status) else {
            let error = object["error"]
            throw StripeAPIError(status: response.status, type: error?["type"]?.stringValue ?? "api_error", code: error?["code"]?.stringValue, message: error?["message"]?.stringValue ?? "no message", param: error?["param"]?.stringValue)
        }
        return object
    }

    static func subscription(from object: [String: JSONValue]) throws -> PaymentSubscription {
        let value = JSONValue.object(object)
        guard let id = value["id"]?.stringValue, let customer = value["customer"]?.stringValue, let status = value["status"]?.stringValue else {
            throw ProviderError(.protocolViolation, "Stripe answered a subscription without id, customer or status")
        }
        var price = ""
        if case .array(let items)? = value["items"]?["data"], let first = items.first { price = first["price"]?["id"]?.stringValue ?? "" }
        return PaymentSubscription(id: id, customerID: customer, status: status, priceID: price, currentPeriodEnd: value["current_period_end"]?.numberValue)
    }
}
