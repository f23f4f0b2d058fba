import Foundation
import PluginAPI
import ProviderKit

/// Supplies the payments provider `stripe` over the host's HTTP client.
///
/// `webhookSecrets` holds the endpoint secrets (`whsec_…`) accepted, comma-separated, so a
/// rotation can list the old and the new one. The client is rebuilt from the configuration at
/// every call.
struct StripeProviderAddon: Addon {
    var id: String { "stripe" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        _ = try StripePayments.client(context.configuration, http: context.http)
        let payments = StripePayments(configuration: { context.configuration }, http: context.http)
        try context.offer(.payments("stripe", payments, health: { payments.problem() }))
    }
}

/// The `stripe` provider: each call goes to a ``StripeClient`` built from the current
/// configuration; a failure reaches the caller as an ``HTTPError``.
struct StripePayments: PaymentProcessor {
    let configuration: @Sendable () -> AddonConfiguration
    let http: any HTTPClient

    static func client(_ configuration: AddonConfiguration, http: any HTTPClient) throws -> StripeClient {
        let key = configuration.string("secretKey") ?? ""
        guard key.hasPrefix("sk_") || key.hasPrefix("rk_") else {
            throw HTTPError(status: 400, code: "invalid_configuration", message: "stripe: 'secretKey' must be a secret or restricted key (sk_test_…, sk_live_…, rk_…)")
        }
        let secrets = (configuration.string("webhookSecrets") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let version = configuration.string("apiVersion") ?? ""
        return StripeClient(
            apiKey: key, webhookSecrets: secrets, http: http, baseURL: configuration.string("apiBase") ?? "https://api.stripe.com",
            apiVersion: version.isEmpty ? nil : version, timeout: .seconds(configuration.integer("timeoutSeconds") ?? 30)
        )
    }

    func client() throws -> StripeClient { try Self.client(configuration(), http: http) }

    func problem() -> String? {
        do {
            let client = try client()
            return client.webhooks.secrets.isEmpty ? "no webhook secret is configured: every webhook delivery is refused" : nil
        } catch {
            return "\(error)"
        }
    }

    func createCheckout(_ request: CheckoutRequest) async throws -> CheckoutSession {
        try await mapped { try await client().createCheckout(request) }
    }

    func createCustomer(email: String?, name: String?, metadata: [String: String]) async throws -> PaymentCustomer {
        try await mapped { try await client().createCustomer(email: email, name: name, metadata: metadata) }
    }

    func subscription(_ id: String) async throws -> PaymentSubscription? {
        try await mapped { try await client().subscription(id) }
    }

    func cancelSubscription(_ id: String, atPeriodEnd: Bool) async throws -> PaymentSubscription {
        try await mapped { try await client().cancelSubscription(id, atPeriodEnd: atPeriodEnd) }
    }

    func verifyWebhook(body: [UInt8], headers: HTTPHeaders) throws -> PaymentEvent {
        do {
            let client = try client()
            guard !client.webhooks.secrets.isEmpty else {
                throw HTTPError(status: 400, code: "invalid_signature", message: "stripe: no webhook secret is configured, so no delivery can be verified")
            }
            return try client.verifyWebhook(body: body, headers: headers)
        } catch let error as ProviderError {
            throw error.httpError
        }
    }

    func mapped<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as ProviderError {
            throw error.httpError
        } catch let error as StripeAPIError {
            throw error.httpError
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(StripeProviderAddon()) }
