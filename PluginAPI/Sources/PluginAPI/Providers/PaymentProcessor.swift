/// An amount of money in the currency's smallest unit.
public struct Money: Sendable, Hashable {
    /// The amount in minor units, e.g. cents.
    public var minorUnits: Int64
    /// The ISO 4217 currency code, e.g. `EUR`.
    public var currency: String

    /// Creates an amount.
    public init(minorUnits: Int64, currency: String) {
        self.minorUnits = minorUnits
        self.currency = currency
    }
}

/// A customer at the payment provider.
public struct PaymentCustomer: Sendable, Hashable {
    /// The provider's customer id.
    public var id: String
    /// The customer's email address.
    public var email: String?
    /// The customer's name.
    public var name: String?
    /// The addon's own values, e.g. its user id.
    public var metadata: [String: String]

    /// Creates a customer.
    public init(id: String, email: String? = nil, name: String? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.email = email
        self.name = name
        self.metadata = metadata
    }
}

/// What a checkout sells.
public struct CheckoutRequest: Sendable, Hashable {
    /// What a checkout line is: a one-off amount or a provider price (e.g. a subscription plan).
    public enum Item: Sendable, Hashable {
        /// A one-off amount with a description, `quantity` times.
        case amount(Money, description: String, quantity: Int)
        /// A price configured at the provider, `quantity` times.
        case price(id: String, quantity: Int)
    }

    /// The lines.
    public var items: [Item]
    /// The customer, if known.
    public var customerID: String?
    /// Where the provider sends the buyer after paying.
    public var successURL: String
    /// Where the provider sends the buyer who gives up.
    public var cancelURL: String
    /// Whether the checkout starts a subscription rather than a one-off payment.
    public var subscription: Bool
    /// The addon's own values, echoed in webhook events.
    public var metadata: [String: String]

    /// Creates a checkout request.
    public init(items: [Item], customerID: String? = nil, successURL: String, cancelURL: String, subscription: Bool = false, metadata: [String: String] = [:]) {
        self.items = items
        self.customerID = customerID
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.subscription = subscription
        self.metadata = metadata
    }
}

/// A checkout session: send the buyer to ``url``.
public struct CheckoutSession: Sendable, Hashable {
    /// The provider's session id.
    public var id: String
    /// The page where the buyer pays.
    public var url: String

    /// Creates a session.
    public init(id: String, url: String) {
        self.id = id
        self.url = url
    }
}

/// A subscription at the payment provider.
public struct PaymentSubscription: Sendable, Hashable {
    /// The provider's subscription id.
    public var id: String
    /// The customer.
    public var customerID: String
    /// The provider's status, e.g. `active`, `past_due`, `canceled`.
    public var status: String
    /// The price subscribed to.
    public var priceID: String
    /// Seconds since 1970 at which the paid period ends.
    public var currentPeriodEnd: Double?

    /// Creates a subscription.
    public init(id: String, customerID: String, status: String, priceID: String, currentPeriodEnd: Double? = nil) {
        self.id = id
        self.customerID = customerID
        self.status = status
        self.priceID = priceID
        self.currentPeriodEnd = currentPeriodEnd
    }
}

/// A webhook event whose signature the provider verified.
public struct PaymentEvent: Sendable, Hashable {
    /// The provider's event id (deliveries may repeat: deduplicate by it).
    public var id: String
    /// The provider's event type, e.g. `checkout.session.completed`.
    public var type: String
    /// The event's object as the provider sent it.
    public var data: JSONValue

    /// Creates an event.
    public init(id: String, type: String, data: JSONValue) {
        self.id = id
        self.type = type
        self.data = data
    }
}

/// The payments slot (`PAYMENT_PROVIDER`), reached with `try context.service(.payments)`.
public protocol PaymentProcessor: Sendable {
    /// Creates a checkout session.
    func createCheckout(_ request: CheckoutRequest) async throws -> CheckoutSession

    /// Creates a customer.
    func createCustomer(email: String?, name: String?, metadata: [String: String]) async throws -> PaymentCustomer

    /// The subscription `id`, or `nil` if the provider does not know it.
    func subscription(_ id: String) async throws -> PaymentSubscription?

    /// Cancels the subscription `id`, at the end of the paid period or at once.
    func cancelSubscription(_ id: String, atPeriodEnd: Bool) async throws -> PaymentSubscription

    /// Verifies a webhook delivery (its body and headers as received) and decodes its event.
    ///
    /// - Throws: ``HTTPError`` 400 `invalid_signature` when the signature does not verify.
    func verifyWebhook(body: [UInt8], headers: HTTPHeaders) throws -> PaymentEvent
}
