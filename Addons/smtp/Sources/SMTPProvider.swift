import PluginAPI
import ProviderKit

/// Supplies the email provider `smtp`: messages go to the configured SMTP relay (or a preset's).
///
/// The relay is read from the configuration at every send, so a configuration change applies to
/// the next message without a restart.
struct SMTPProviderAddon: Addon {
    var id: String { "smtp" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        // A configuration that cannot name a relay fails the install, with the reason.
        _ = try SMTPSettings.relay(context.configuration)
        let sender = SMTPSender(configuration: { context.configuration })
        try context.offer(.email("smtp", sender, health: { sender.problem() }))
    }

    func register(_ router: inout Router) {
        // Where the relay is (never the password), for the administrator.
        router.get("/relay") { _, context in
            let relay = try SMTPSettings.relay(context.configuration)
            return try .json(["host": relay.host, "port": String(relay.port), "security": relay.security.rawValue, "authenticates": relay.username == nil ? "no" : "yes"])
        }
    }
}

/// The `smtp` email provider: one SMTP connection per message to the configured relay.
struct SMTPSender: EmailSender {
    let configuration: @Sendable () -> AddonConfiguration

    func send(_ message: EmailMessage) async throws -> EmailReceipt {
        do {
            return try await SMTPClient(try SMTPSettings.relay(configuration())).send(message)
        } catch let error as ProviderError {
            throw error.httpError
        }
    }

    /// What is wrong with the configuration, or `nil`.
    func problem() -> String? {
        do {
            _ = try SMTPSettings.relay(configuration())
            return nil
        } catch let error as ProviderError {
            return error.message
        } catch {
            return "\(error)"
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(SMTPProviderAddon()) }
