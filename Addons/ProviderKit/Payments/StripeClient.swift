import Foundation
import PluginAPI

/// Stripe's REST API for the payments slot: checkout sessions, customers and subscriptions
/// (form-encoded bodies, `Authorization: Bearer sk_…`, an `Idempotency-Key` on every POST), and
/// webhook verification, sent through the host's ``HTTPClient``.
public struct StripeClient: PaymentProcessor {
    /// The secret API key (`sk_test_…` or `sk_live_…`; sensitive configuration).
    public let apiKey: String
    /// The API's base URL (`https://api.stripe.com`; a local server in tests).
    public let baseURL: String
    /// The `Stripe-Version` sent, or `nil` for the account's default.
    public let apiVersion: String?
    /// Verifies webhook deliveries.
    public let webhooks: StripeWebhookVerifier
    /// Longest one request may take.
    public let timeout: Duration
    let http: any HTTPClient
    let makeIdempotencyKey: @Sendable () -> String

    /// Creates a client; `webhookSecrets` are the endpoint secrets (`whsec_…`) accepted.
    public init(
        apiKey: String, webhookSecrets: [String], http: any HTTPClient, baseURL: String = "https://api.stripe.com",
        apiVersion: String? = nil, timeout: Duration = .seconds(30),
        makeIdempotencyKey: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.apiKey = apiKey
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiVersion = apiVersion
        self.webhooks = StripeWebhookVerifier(secrets: webhookSecrets)
        self.timeout = timeout
        self.http = http
        self.makeIdempotencyKey = makeIdempotencyKey
    }

    /// The request for `method path` with `form` (a POST carries `idempotencyKey`).
    public func request(_ method: HTTPMethod, _ path: String, form: FormBody = FormBody(), idempotencyKey: String? = nil) -> OutgoingRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        if let apiVersion { headers.add(name: "Stripe-Version", value: apiVersion) }
        var body = [UInt8]()
        if method == .post {
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            headers.add(name: "Idempotency-Key", value: idempotencyKey ?? makeIdempotencyKey())
            body = Array(form.encoded.utf8)
        }
        return OutgoingRequest(method: method, url: baseURL + path, headers: headers, body: body)
    }

    /// The form of a checkout request.
    public static func checkoutForm(_ checkout: CheckoutRequest) throws -> FormBody {
        var form = FormBody()
        form.add("mode", checkout.subscription ? "subscription" : "payment")
        form.add("success_url", checkout.successURL)
        form.add("cancel_url", checkout.cancelURL)
        form.add("customer", checkout.customerID)
        for (index, item) in checkout.items.enumerated() {
            let prefix = "line_items[\(index)]"
            switch item {
            case .price(let id, let quantity):
                form.add("\(prefix)[price]", id)
                form.add("\(prefix)[quantity]", String(quantity))
            case .amount(let money, let description, let quantity):
                form.add("\(prefix)[price_data][currency]", money.currency.lowercased())
                form.add("\(prefix)[price_data][unit_amount]", String(money.minorUnits))
                form.add("\(prefix)[price_data][product_data][name]", description)
                form.add("\(prefix)[quantity]", String(quantity))
            @unknown default:
                throw ProviderError(.invalidConfiguration, "checkout line \(index) is of a kind this Stripe client does not know")
            }
        }
        form.add("metadata", map: checkout.metadata)
        return form
    }

    /// Creates a checkout session.
    public func createCheckout(_ checkout: CheckoutRequest) async throws -> CheckoutSession {
        let object = try await call(request(.post, "/v1/checkout/sessions", form: try Self.checkoutForm(checkout)), "creating a checkout session")
        guard let id = object["id"]?.stringValue, let url = object["url"]?.stringValue else {
            throw ProviderError(.protocolViolation, "Stripe answered a checkout session without id or url")
        }
        return CheckoutSession(id: id, url: url)
    }

    /// Creates a customer.
    public func createCustomer(email: String?, name: String?, metadata: [String: String]) async throws -> PaymentCustomer {
        var form = FormBody()
        form.add("email", email)
        form.add("name", name)
        form.add("metadata", map: metadata)
        let object = try await call(request(.post, "/v1/customers", form: form), "creating a customer")
        guard let id = object["id"]?.stringValue else { throw ProviderError(.protocolViolation, "Stripe answered a customer without id") }
        var answeredMetadata = [String: String]()
        if case .object(let fields)? = object["metadata"] { for (key, value) in fields { answeredMetadata[key] = value.stringValue } }
        return PaymentCustomer(id: id, email: object["email"]?.stringValue, name: object["name"]?.stringValue, metadata: answeredMetadata)
    }

    /// The subscription `id`, or `nil` when Stripe answers 404.
    public func subscription(_ id: String) async throws -> PaymentSubscription? {
        do {
            return try Self.subscription(from: try await call(request(.get, "/v1/subscriptions/\(PercentEncoding.encode(id))"), "reading subscription \(id)"))
        } catch let error as StripeAPIError where error.status == 404 {
            return nil
        }
    }

    /// Cancels `id` now (DELETE) or at the end of the paid period (`cancel_at_period_end=true`).
    public func cancelSubscription(_ id: String, atPeriodEnd: Bool) async throws -> PaymentSubscription {
        let path = "/v1/subscriptions/\(PercentEncoding.encode(id))"
        if atPeriodEnd {
            var form = FormBody()
            form.add("cancel_at_period_end", "true")
            return try Self.subscription(from: try await call(request(.post, path, form: form), "cancelling subscription \(id)"))
        }
        return try Self.subscription(from: try await call(request(.delete, path), "cancelling subscription \(id)"))
    }

    /// Verifies a webhook delivery, then decodes its event.
    public func verifyWebhook(body: [UInt8], headers: HTTPHeaders) throws -> PaymentEvent {
        do {
            return try webhooks.event(body: body, headers: headers)
        } catch let error as ProviderError {
            throw error.httpError
        }
    }
}
