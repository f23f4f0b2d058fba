import PluginAPI

/// The SMS slot as addons reach it. A verification code is checked by the provider that sent it:
/// failover applies to sending, a check goes to the first provider only.
struct SMSFront: SMSSender {
    let registry: SlotRegistry

    func send(_ message: SMSMessage) async throws -> SMSReceipt {
        try await registry.deliver(.sms, as: (any SMSSender).self) { try await $0.send(message) }
    }

    func sendVerificationCode(to number: String, validity: Duration) async throws -> SMSReceipt {
        try await registry.deliver(.sms, as: (any SMSSender).self) { try await $0.sendVerificationCode(to: number, validity: validity) }
    }

    func checkVerificationCode(_ code: String, for number: String) async throws -> VerificationResult {
        guard let first = try registry.callTargets(.sms).first?.provider as? any SMSSender else {
            throw ProviderError.notConfigured(.sms, "the sms slot has no provider").httpError
        }
        return try await first.checkVerificationCode(code, for: number)
    }
}
