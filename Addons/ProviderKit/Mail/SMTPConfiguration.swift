import PluginAPI

/// How an SMTP connection is secured.
public enum SMTPSecurity: String, Sendable, Hashable {
    /// Plain TCP, upgraded with STARTTLS, which must be offered (port 587).
    case startTLS = "starttls"
    /// TLS from the first byte (port 465).
    case implicitTLS = "tls"
    /// Plain TCP only (a local relay); credentials are never sent this way.
    case none
}

/// Where an SMTP relay is and how to log in.
public struct SMTPConfiguration: Sendable, Hashable {
    /// The relay's host.
    public var host: String
    /// Its port.
    public var port: Int
    /// STARTTLS, implicit TLS or none.
    public var security: SMTPSecurity
    /// The user name for AUTH, if the relay wants one.
    public var username: String?
    /// The password or API key for AUTH (sensitive configuration).
    public var password: String?
    /// Trust and name checking for TLS.
    public var tls: TLSOptions
    /// The name sent in EHLO.
    public var heloName: String
    /// The sender used when a message has none.
    public var defaultFrom: EmailAddress?
    /// Longest the connection or one command may take.
    public var timeout: Duration

    /// Creates a configuration.
    public init(host: String, port: Int, security: SMTPSecurity, username: String? = nil, password: String? = nil, tls: TLSOptions = TLSOptions(), heloName: String = "localhost", defaultFrom: EmailAddress? = nil, timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.tls = tls
        self.heloName = heloName
        self.defaultFrom = defaultFrom
        self.timeout = timeout
    }

    /// SendGrid's relay: user `apikey`, the API key as password.
    public static func sendGrid(apiKey: String) -> SMTPConfiguration {
        SMTPConfiguration(host: "smtp.sendgrid.net", port: 587, security: .startTLS, username: "apikey", password: apiKey)
    }

    /// Mailgun's relay (`smtp.eu.mailgun.org` for EU domains) with a domain's SMTP credentials.
    public static func mailgun(username: String, password: String, europe: Bool = false) -> SMTPConfiguration {
        SMTPConfiguration(host: europe ? "smtp.eu.mailgun.org" : "smtp.mailgun.org", port: 587, security: .startTLS, username: username, password: password)
    }

    /// Postmark's relay: the server token as both user and password.
    public static func postmark(serverToken: String) -> SMTPConfiguration {
        SMTPConfiguration(host: "smtp.postmarkapp.com", port: 587, security: .startTLS, username: serverToken, password: serverToken)
    }

    /// Amazon SES's relay in `region` with SMTP credentials (not the IAM secret itself).
    public static func amazonSES(region: String, username: String, password: String) -> SMTPConfiguration {
        SMTPConfiguration(host: "email-smtp.\(region).amazonaws.com", port: 587, security: .startTLS, username: username, password: password)
    }

    /// Resend's relay: user `resend`, the API key as password, implicit TLS.
    public static func resend(apiKey: String) -> SMTPConfiguration {
        SMTPConfiguration(host: "smtp.resend.com", port: 465, security: .implicitTLS, username: "resend", password: apiKey)
    }

    /// The preset named `name` (`sendgrid`, `mailgun`, `postmark`, `ses`, `resend`).
    public static func preset(_ name: String, username: String?, password: String, region: String? = nil) throws -> SMTPConfiguration {
        switch name.lowercased() {
        case "sendgrid": return .sendGrid(apiKey: password)
        case "mailgun":
            guard let username else { throw ProviderError(.invalidConfiguration, "the mailgun preset needs the SMTP user name (postmaster@your-domain)") }
            return .mailgun(username: username, password: password)
        case "postmark": return .postmark(serverToken: password)
        case "ses":
            guard let username, let region else { throw ProviderError(.invalidConfiguration, "the ses preset needs the SMTP user name and the region") }
            return .amazonSES(region: region, username: username, password: password)
        case "resend": return .resend(apiKey: password)
        default: throw ProviderError(.invalidConfiguration, "unknown SMTP preset '\(name)' (known: sendgrid, mailgun, postmark, ses, resend)")
        }
    }
}
