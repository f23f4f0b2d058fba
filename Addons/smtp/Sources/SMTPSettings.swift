import PluginAPI
import ProviderKit

/// The addon's configuration turned into a relay: a preset (SendGrid, Mailgun, Postmark, SES,
/// Resend) or `custom` with host, port and security, plus the sender and trust settings.
enum SMTPSettings {
    static func relay(_ configuration: AddonConfiguration) throws -> SMTPConfiguration {
        let preset = configuration.string("preset") ?? "custom"
        let username = nonEmpty(configuration.string("username"))
        let password = nonEmpty(configuration.string("password"))
        var relay: SMTPConfiguration
        if preset == "custom" {
            let security = SMTPSecurity(rawValue: configuration.string("security") ?? "starttls") ?? .startTLS
            if security == .none, username != nil {
                throw HTTPError(status: 400, code: "invalid_configuration", message: "smtp: credentials are never sent without TLS; use security 'starttls' or 'tls', or remove the username")
            }
            relay = SMTPConfiguration(host: configuration.string("host") ?? "127.0.0.1", port: configuration.integer("port") ?? 587, security: security, username: username, password: password)
        } else {
            guard let password else {
                throw HTTPError(status: 400, code: "invalid_configuration", message: "smtp: the \(preset) preset needs the password (the provider's API key or SMTP password)")
            }
            do {
                relay = try SMTPConfiguration.preset(preset, username: username, password: password, region: nonEmpty(configuration.string("region")))
            } catch let error as ProviderError {
                throw HTTPError(status: 400, code: "invalid_configuration", message: "smtp: \(error.message)")
            }
        }
        if let from = nonEmpty(configuration.string("fromAddress")) {
            relay.defaultFrom = EmailAddress(from, name: nonEmpty(configuration.string("fromName")))
        }
        if let caFile = nonEmpty(configuration.string("caFile")) { relay.tls.caFile = caFile }
        relay.timeout = .seconds(configuration.integer("timeoutSeconds") ?? 30)
        return relay
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
