import BerthTestSupport
import COpenSSL
import Foundation
import Testing

/// The `stripe_billing` example through the real binary: with the development default
/// (`PAYMENT_PROVIDER=none`) webhooks are refused with the reason; with the `stripe` provider addon
/// a checkout goes to the suite's Stripe-format server, webhook deliveries are verified by their
/// `Stripe-Signature`, applied once per event id and in event order, mirrored, and published on
/// the bus (where `email_marketing` sends a welcome mail).
struct StripeBillingTests {
    static let secret = "whsec_berthtestsecret"

    /// A `Stripe-Signature` header for `body` at `timestamp`, made with Stripe's documented scheme.
    static func signature(_ body: [UInt8], secret: String = StripeBillingTests.secret, timestamp: Int = Int(Date().timeIntervalSince1970)) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        let key = Array(secret.utf8)
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), signed, signed.count, &output, &length)
        return "t=\(timestamp),v1=" + output.map { String(format: "%02x", $0) }.joined()
    }

    /// A subscription event as Stripe sends it.
    static func event(_ id: String, _ type: String, created: Int, status: String, email: String? = nil) -> [UInt8] {
        var object: [String: Any] = [
            "id": "sub_berth1", "object": "subscription", "customer": "cus_berth1", "status": status, "cancel_at_period_end": false,
            "current_period_end": 1_900_000_000, "items": ["object": "list", "data": [["id": "si_1", "price": ["id": "price_pro"]]]],
        ]
        if let email { object["metadata"] = ["email": email] }
        let event: [String: Any] = ["id": id, "object": "event", "type": type, "created": created, "data": ["object": object]]
        return Array(try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]))
    }

    func deliver(_ host: IntegrationHost, _ body: [UInt8], signature: String? = nil) throws -> HTTPTestClient.Reply {
        try host.berth.anonymous.send("POST", "/api/v1/billing/webhook", body: body, headers: ["Content-Type": "application/json", "Stripe-Signature": signature ?? Self.signature(body)])
    }

    @Test func withTheDevelopmentDefaultAWebhookIsRefusedWithTheReasonAndNothingIsLeftBehind() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("stripe_billing", product: "StripeBilling"), id: "stripe_billing")
        let refused = try deliver(host, Self.event("evt_1", "customer.subscription.created", created: 1000, status: "active"))
        #expect(refused.status >= 400, "\(refused.text)")
        #expect(refused.errorMessage?.contains("PAYMENT_PROVIDER") == true, "\(refused.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/billing/subscriptions/sub_berth1").status == 404)
        let removed = try host.uninstall("stripe_billing")
        #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
    }

    @Test(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
    func webhooksAreVerifiedAppliedOnceInOrderMirroredAndPublished() throws {
        let stripePort = try ProviderAddons.port(of: "BERTH_TEST_STRIPE_URL")
        let host = try IntegrationHost()
        defer { host.close() }
        try ProviderAddons.install("stripe", product: "StripeProvider", extraPermissions: ["network:127.0.0.1:\(stripePort)"], config: [
            "secretKey": "sk_test_berth123", "webhookSecrets": "whsec_oldsecret, \(Self.secret)", "apiBase": try ProviderAddons.server("BERTH_TEST_STRIPE_URL"),
        ], in: host)
        _ = try host.uploadAndInstall(try host.packages.packExample("stripe_billing", product: "StripeBilling"), id: "stripe_billing")
        _ = try host.uploadAndInstall(try host.packages.packExample("email_marketing", product: "EmailMarketing"), id: "email_marketing")
        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/payments", ["provider": "stripe"]).status == 200)
        let client = host.berth.anonymous

        let checkout = try client.sendJSON("POST", "/api/v1/billing/checkout", ["priceId": "price_pro", "email": "ada@example.com"])
        #expect(checkout.status == 201, "\(checkout.text)")
        #expect((checkout.json["url"] as? String)?.hasPrefix("https://checkout.stripe.com/") == true, "\(checkout.text)")

        let created = Self.event("evt_1", "customer.subscription.created", created: 1000, status: "active", email: "ada@example.com")
        let forged = try deliver(host, created, signature: Self.signature(created, secret: "whsec_wrong"))
        #expect(forged.status == 400, "\(forged.text)")
        #expect(forged.errorCode == "invalid_signature")
        let stale = try deliver(host, created, signature: Self.signature(created, timestamp: Int(Date().timeIntervalSince1970) - 600))
        #expect(stale.errorCode == "invalid_signature", "outside the 300 s tolerance: \(stale.text)")
        #expect(try client.send("GET", "/api/v1/billing/subscriptions/sub_berth1").status == 404, "nothing applied from a refused delivery")

        let first = try deliver(host, created)
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json["applied"] as? Bool == true)
        let repeated = try deliver(host, created)
        #expect(repeated.json["duplicate"] as? Bool == true, "\(repeated.text)")
        #expect(repeated.json["applied"] as? Bool == false)
        let mirrored = try client.send("GET", "/api/v1/billing/subscriptions/sub_berth1")
        #expect(mirrored.json["status"] as? String == "active", "\(mirrored.text)")
        #expect(mirrored.json["priceId"] as? String == "price_pro")
        #expect(mirrored.json["customerId"] as? String == "cus_berth1")

        // subscription.created reached email_marketing over the bus: a welcome mail, once.
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=email")
        let welcomes = (inbox.json["messages"] as? [[String: Any]] ?? []).filter { $0["subject"] as? String == "Welcome aboard" }
        #expect(welcomes.count == 1, "\(inbox.text)")
        #expect(welcomes.first?["to"] as? [String] == ["ada@example.com"])

        // A later update, then an older one delivered late: the older one changes nothing.
        #expect(try deliver(host, Self.event("evt_3", "customer.subscription.updated", created: 3000, status: "past_due")).json["applied"] as? Bool == true)
        let late = try deliver(host, Self.event("evt_2", "customer.subscription.updated", created: 2000, status: "active"))
        #expect(late.status == 200, "\(late.text)")
        #expect(late.json["applied"] as? Bool == false, "\(late.text)")
        #expect(try client.send("GET", "/api/v1/billing/subscriptions/sub_berth1").json["status"] as? String == "past_due")
        #expect(try deliver(host, Self.event("evt_4", "customer.subscription.deleted", created: 4000, status: "canceled")).json["applied"] as? Bool == true)
        #expect(try client.send("GET", "/api/v1/billing/subscriptions/sub_berth1").json["status"] as? String == "canceled")

        #expect(try host.uninstall("stripe").errorCode == "provider_in_use")
        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/payments", ["provider": "none"]).status == 200)
        for id in ["stripe_billing", "email_marketing", "stripe"] {
            let removed = try host.uninstall(id)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        }
    }
}
