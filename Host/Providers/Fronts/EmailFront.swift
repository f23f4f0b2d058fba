import PluginAPI

/// The email slot as addons reach it: each message goes to the selected provider, failing over
/// on any error; if none delivers, the caller gets the error.
struct EmailFront: EmailSender {
    let registry: SlotRegistry

    func send(_ message: EmailMessage) async throws -> EmailReceipt {
        guard !message.to.isEmpty || !message.cc.isEmpty || !message.bcc.isEmpty else {
            throw ProviderError.invalidArgument("an email needs at least one recipient").httpError
        }
        return try await registry.deliver(.email, as: (any EmailSender).self) { try await $0.send(message) }
    }
}
