import PluginAPI

/// The `none` payments provider: every call is refused with an error that says how to choose a
/// real provider, so a payment is never taken for granted.
public struct NoPayments: PaymentProcessor {
    /// Creates the provider.
    public init() {}

    private var refusal: HTTPError {
        ProviderError.notConfigured(.payments, "this host takes no payments: PAYMENT_PROVIDER is none; install a payments addon (e.g. stripe)").httpError
    }

    public func createCheckout(_ request: CheckoutRequest) async throws -> CheckoutSession { throw refusal }
    public func createCustomer(email: String?, name: String?, metadata: [String: String]) async throws -> PaymentCustomer { throw refusal }
    public func subscription(_ id: String) async throws -> PaymentSubscription? { throw refusal }
    public func cancelSubscription(_ id: String, atPeriodEnd: Bool) async throws -> PaymentSubscription { throw refusal }
    public func verifyWebhook(body: [UInt8], headers: HTTPHeaders) throws -> PaymentEvent { throw refusal }
}
