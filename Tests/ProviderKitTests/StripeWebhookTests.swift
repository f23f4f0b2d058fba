import Foundation
import PluginAPI
import ProviderKit
import Testing

/// Stripe-Signature verification against vectors made with Stripe's documented scheme by
/// tools/scripts/stripe-webhook-vectors.py (Python's hmac, independent of this code).
struct StripeWebhookTests {
    struct Vector: Decodable, CustomTestStringConvertible {
        let name: String
        let valid: Bool
        let header: String
        let body: String
        let secrets: [String]
        let now: Double
        var testDescription: String { name }
    }

    struct Vectors: Decodable { let vectors: [Vector] }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/stripe-webhook-vectors.json")
        // A missing file fails every test below through an empty list check.
        guard let data = try? Data(contentsOf: url), let decoded = try? JSONDecoder().decode(Vectors.self, from: data) else { return [] }
        return decoded.vectors
    }()

    @Test func theVectorFileHoldsValidAndInvalidCases() {
        #expect(Self.vectors.filter(\.valid).count >= 4)
        #expect(Self.vectors.filter { !$0.valid }.count >= 8)
    }

    @Test(arguments: vectors)
    func eachVectorVerifiesExactlyWhenStripesSchemeSaysItShould(_ vector: Vector) {
        let verifier = StripeWebhookVerifier(secrets: vector.secrets, now: { vector.now })
        let body = Array(vector.body.utf8)
        if vector.valid {
            #expect(throws: Never.self) { try verifier.verify(body: body, header: vector.header) }
        } else {
            let error = #expect(throws: ProviderError.self) { try verifier.verify(body: body, header: vector.header) }
            #expect(error?.code == "invalid_signature")
            #expect(error?.status == 400)
        }
    }

    @Test func aVerifiedDeliveryDecodesToItsEvent() throws {
        let vector = try #require(Self.vectors.first { $0.valid })
        let client = StripeClient(apiKey: "sk_test_x", webhookSecrets: vector.secrets, http: NoHTTP())
        let verifier = StripeWebhookVerifier(secrets: vector.secrets, now: { vector.now })
        let event = try verifier.event(body: Array(vector.body.utf8), headers: ["Stripe-Signature": vector.header])
        #expect(event.id == "evt_1Nabc")
        #expect(event.type == "customer.subscription.updated")
        #expect(event.data == .object(["id": .string("sub_1"), "status": .string("active")]))
        // Through the slot protocol the failure is an HTTPError for the host's error path.
        let error = #expect(throws: HTTPError.self) { _ = try client.verifyWebhook(body: Array(vector.body.utf8), headers: ["Stripe-Signature": "t=1,v1=00"]) }
        #expect(error?.status == 400)
        #expect(error?.code == "invalid_signature")
    }

    @Test func aBodyThatIsNotJSONIsRefusedByItsSignatureBeforeAnyParsing() {
        // Not JSON and not signed: the answer is about the signature, not the syntax.
        let verifier = StripeWebhookVerifier(secrets: ["whsec_a"], now: { 1000 })
        let error = #expect(throws: ProviderError.self) { _ = try verifier.event(body: Array("{not json".utf8), headers: ["Stripe-Signature": "t=1000,v1=\(String(repeating: "ab", count: 32))"]) }
        #expect(error?.code == "invalid_signature")
    }
}

/// An HTTP client for tests that must not reach the network.
struct NoHTTP: HTTPClient {
    func send(_ request: OutgoingRequest) async throws -> Response { throw HTTPError.serviceUnavailable("no network in this test") }
}
