import Foundation
import PluginAPI
import ProviderKit

/// The documented send request of each API, and where its answer carries the message id:
/// SendGrid `POST /v3/mail/send` (Bearer key, JSON personalizations, 202 with `X-Message-Id`),
/// Mailgun `POST /v3/{domain}/messages` (Basic `api:KEY`, form fields), Postmark `POST /email`
/// (`X-Postmark-Server-Token`, JSON `From`/`To`/`TextBody`…), Resend `POST /emails` (Bearer key, JSON).
struct EmailAPI {
    /// The providers, in a fixed order.
    static let all = ["sendgrid", "mailgun", "postmark", "resend"]

    let name: String
    let key: String
    let base: String
    let mailgunDomain: String
    let defaultFrom: EmailAddress?

    static func text(_ configuration: AddonConfiguration, _ key: String) -> String? {
        guard let value = configuration.string(key), !value.isEmpty else { return nil }
        return value
    }

    static func configured(_ configuration: AddonConfiguration) -> [String] {
        all.filter { (try? EmailAPI(name: $0, configuration: configuration)) != nil }
    }

    init(name: String, configuration: AddonConfiguration) throws {
        func need(_ field: String) throws -> String {
            guard let value = Self.text(configuration, field) else {
                throw HTTPError(status: 500, code: "invalid_configuration", message: "\(name): '\(field)' is not set")
            }
            return value
        }
        self.name = name
        let override = Self.text(configuration, "apiBase")
        switch name {
        case "sendgrid":
            key = try need("sendgridApiKey")
            base = override ?? "https://api.sendgrid.com"
            mailgunDomain = ""
        case "mailgun":
            key = try need("mailgunApiKey")
            mailgunDomain = try need("mailgunDomain")
            base = override ?? (configuration.string("mailgunRegion") == "eu" ? "https://api.eu.mailgun.net" : "https://api.mailgun.net")
        case "postmark":
            key = try need("postmarkServerToken")
            base = override ?? "https://api.postmarkapp.com"
            mailgunDomain = ""
        default:
            key = try need("resendApiKey")
            base = override ?? "https://api.resend.com"
            mailgunDomain = ""
        }
        defaultFrom = Self.text(configuration, "fromAddress").map { EmailAddress($0, name: Self.text(configuration, "fromName")) }
    }

    func request(_ message: EmailMessage) throws -> OutgoingRequest {
        guard let from = message.from ?? defaultFrom else {
            throw HTTPError(status: 500, code: "invalid_configuration", message: "\(name): the message has no sender and 'fromAddress' is not set")
        }
        guard !message.to.isEmpty else { throw HTTPError(status: 422, code: "invalid_message", message: "\(name): the message has no recipient") }
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        switch name {
        case "sendgrid": return sendGrid(message, from: from, root: root)
        case "mailgun": return try mailgun(message, from: from, root: root)
        case "postmark": return postmark(message, from: from, root: root)
        default: return resend(message, from: from, root: root)
        }
    }

    func messageID(_ response: Response) throws -> String {
        if name == "sendgrid" { return response.headers["X-Message-Id"] ?? "" }
        let object = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body))
        guard case .object(let fields)? = object else {
            throw HTTPError(status: 502, code: "provider_protocol_error", message: "\(name) answered without a JSON object")
        }
        if name == "postmark", case .number(let code)? = fields["ErrorCode"], code != 0 {
            throw HTTPError(status: 502, code: "provider_refused", message: "postmark refused the message: ErrorCode \(Int(code)) \(fields["Message"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? "")")
        }
        guard case .string(let id)? = fields[name == "postmark" ? "MessageID" : "id"] else { return "" }
        return id
    }

    static func json(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? []
    }

    static func formatted(_ address: EmailAddress) -> String { MIMEMessage.format(address) }
}
