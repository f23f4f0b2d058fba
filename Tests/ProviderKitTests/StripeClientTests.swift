import PluginAPI
import ProviderKit
import Testing

/// Stripe's REST requests on the wire, against the local server of
/// tools/scripts/test-servers/stripe_wire.py that checks Stripe's documented request format
/// (the real API is not reachable from here).
@Suite(.enabled(if: TestServers.available))
struct StripeClientTests {
    func client(key: @escaping @Sendable () -> String = { "k-\(UInt64.random(in: 0...UInt64.max))" }) throws -> StripeClient {
        let url = try TestServers.value("BERTH_TEST_STRIPE_URL")
        return StripeClient(apiKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", webhookSecrets: ["whsec_x"], http: TestServers.httpClient(for: url), baseURL: url, makeIdempotencyKey: key)
    }

    @Test func aCustomerIsCreatedWithAFormBodyBearerKeyAndIdempotencyKey() async throws {
        let customer = try await client().createCustomer(email: "ada@example.com", name: "Ada Lovelace", metadata: ["user_id": "42", "plan": "pro"])
        #expect(customer.id.hasPrefix("cus_"))
        #expect(customer.email == "ada@example.com")
        #expect(customer.name == "Ada Lovelace")
        #expect(customer.metadata == ["user_id": "42", "plan": "pro"])
    }

    @Test func checkoutSessionsCarryLineItemsInStripesNestedFormat() async throws {
        let stripe = try client()
        let oneOff = try await stripe.createCheckout(CheckoutRequest(
            items: [.amount(Money(minorUnits: 1999, currency: "EUR"), description: "Ebook & audio", quantity: 2), .price(id: "price_123", quantity: 1)],
            successURL: "https://shop.example/ok?session={CHECKOUT_SESSION_ID}", cancelURL: "https://shop.example/cancel", metadata: ["order": "7"]))
        #expect(oneOff.id.hasPrefix("cs_"))
        #expect(oneOff.url.hasSuffix(oneOff.id))
        let form = try StripeClient.checkoutForm(CheckoutRequest(items: [.amount(Money(minorUnits: 1999, currency: "EUR"), description: "x", quantity: 2)], successURL: "s", cancelURL: "c"))
        #expect(form.encoded.contains("line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=1999"))
        #expect(form.encoded.contains("line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=eur"))
    }

    @Test func aFieldTheServerDoesNotKnowComesBackAsStripesError() async throws {
        // A subscription checkout from an ad-hoc amount lacks the recurring price Stripe requires.
        let error = await #expect(throws: StripeAPIError.self) {
            _ = try await client().createCheckout(CheckoutRequest(items: [.amount(Money(minorUnits: 500, currency: "usd"), description: "Plan", quantity: 1)], successURL: "https://a/ok", cancelURL: "https://a/no", subscription: true))
        }
        #expect(error?.status == 400)
        #expect(error?.type == "invalid_request_error")
    }

    @Test func reusingAnIdempotencyKeyForDifferentParametersIsRefused() async throws {
        let stripe = try client(key: { "fixed-key-for-this-test" })
        _ = try await stripe.createCustomer(email: "one@example.com", name: nil, metadata: [:])
        let error = await #expect(throws: StripeAPIError.self) { _ = try await stripe.createCustomer(email: "two@example.com", name: nil, metadata: [:]) }
        #expect(error?.code == "idempotency_key_in_use")
    }

    @Test func subscriptionsAreReadAndCancelledByTheDocumentedMethods() async throws {
        let stripe = try client()
        let subscription = try #require(try await stripe.subscription("sub_1MowQVLkdIwHu7ix"))
        #expect(subscription.status == "active")
        #expect(subscription.priceID == "price_test_monthly")
        #expect(subscription.currentPeriodEnd == 1_893_456_000)
        #expect(try await stripe.subscription("sub_missing") == nil)
        #expect(try await stripe.cancelSubscription("sub_1", atPeriodEnd: false).status == "canceled")
        #expect(try await stripe.cancelSubscription("sub_1", atPeriodEnd: true).status == "active")
    }

    @Test func aWrongAPIKeyFormatIsRefusedByTheServer() async throws {
        let url = try TestServers.value("BERTH_TEST_STRIPE_URL")
        let stripe = StripeClient(apiKey: "pk_test_public", webhookSecrets: [], http: TestServers.httpClient(for: url), baseURL: url)
        let error = await #expect(throws: StripeAPIError.self) { _ = try await stripe.createCustomer(email: nil, name: nil, metadata: [:]) }
        #expect(error?.status == 401)
    }
}
