import PluginAPI

/// The payments slot as addons reach it.
struct PaymentsFront: PaymentProcessor {
    let registry: SlotRegistry

    private func call<T: Sendable>(_ body: (any PaymentProcessor) async throws -> T) async throws -> T {
        try await registry.deliver(.payments, as: (any PaymentProcessor).self, body)
    }

    func createCheckout(_ request: CheckoutRequest) async throws -> CheckoutSession {
        try await call { try await $0.createCheckout(request) }
    }

    func createCustomer(email: String?, name: String?, metadata: [String: String]) async throws -> PaymentCustomer {
        try await call { try await $0.createCustomer(email: email, name: name, metadata: metadata) }
    }

    func subscription(_ id: String) async throws -> PaymentSubscription? {
        try await call { try await $0.subscription(id) }
    }

    func cancelSubscription(_ id: String, atPeriodEnd: Bool) async throws -> PaymentSubscription {
        try await call { try await $0.cancelSubscription(id, atPeriodEnd: atPeriodEnd) }
    }

    func verifyWebhook(body: [UInt8], headers: HTTPHeaders) throws -> PaymentEvent {
        guard let provider = try registry.callTargets(.payments).first?.provider as? any PaymentProcessor else {
            throw ProviderError.notConfigured(.payments, "the payments slot has no provider").httpError
        }
        return try provider.verifyWebhook(body: body, headers: headers)
    }
}
