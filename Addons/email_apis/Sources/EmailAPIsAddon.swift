import PluginAPI
import ProviderKit

/// Supplies the email providers `sendgrid`, `mailgun`, `postmark` and `resend` over their HTTP
/// APIs, each one whose key is configured at start (`GET /providers` lists them).
struct EmailAPIsAddon: Addon {
    var id: String { "email_apis" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        for name in EmailAPI.configured(context.configuration) {
            let sender = EmailAPISender(name: name, configuration: { context.configuration }, http: context.http)
            try context.offer(.email(name, sender))
        }
    }

    func register(_ router: inout Router) {
        router.get("/providers") { _, context in
            try .json(["offered": EmailAPI.configured(context.configuration)])
        }
    }
}

/// One HTTP API as an email provider; its failures reach the caller as ``HTTPError``s.
struct EmailAPISender: EmailSender {
    let name: String
    let configuration: @Sendable () -> AddonConfiguration
    let http: any HTTPClient

    func send(_ message: EmailMessage) async throws -> EmailReceipt {
        let configuration = configuration()
        let api = try EmailAPI(name: name, configuration: configuration)
        let request = try api.request(message)
        let seconds = configuration.integer("timeoutSeconds") ?? 15
        let response: Response
        do {
            response = try await withDeadline(.seconds(seconds), "\(name): POST \(request.url)") { try await http.send(request) }
        } catch let error as ProviderError {
            throw error.httpError
        } catch let error as HTTPError {
            throw error
        } catch {
            throw HTTPError(status: 502, code: "provider_connection_failed", message: "\(name): POST \(request.url) failed: \(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw HTTPError(status: 502, code: "provider_refused", message: "\(name) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return EmailReceipt(messageID: try api.messageID(response), provider: name)
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(EmailAPIsAddon()) }
