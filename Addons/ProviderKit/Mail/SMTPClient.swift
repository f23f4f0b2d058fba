import PluginAPI

/// An SMTP client for the email slot: EHLO, STARTTLS or implicit TLS, AUTH PLAIN or LOGIN,
/// one message per connection, each command within the configured timeout.
public struct SMTPClient: EmailSender {
    /// The relay.
    public let configuration: SMTPConfiguration

    /// Creates a client.
    public init(_ configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Sends `message`; the receipt carries the relay's queue answer as its id.
    public func send(_ message: EmailMessage) async throws -> EmailReceipt {
        guard let from = message.from ?? configuration.defaultFrom else {
            throw ProviderError(.invalidConfiguration, "the message has no sender and the SMTP provider has no default sender")
        }
        let recipients = (message.to + message.cc + message.bcc).map(\.address)
        guard !recipients.isEmpty else { throw ProviderError(.invalidConfiguration, "the message has no recipient") }
        for address in recipients + [from.address] where address.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" }) {
            throw ProviderError(.invalidConfiguration, "'\(address)' is not a valid mailbox")
        }
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        let token = Digest.hex(Array(Digest.sha256(Array("\(WallClock.unixSeconds())\(UInt64.random(in: 0...UInt64.max))".utf8)).prefix(12)))
        let rendered = MIMEMessage.render(message, from: from, messageID: "\(token)@\(domain)", date: Self.rfc5322Date(), boundarySeed: token)
        let config = configuration
        let connection = try await SocketConnection.connect(host: config.host, port: config.port, timeout: config.timeout, tls: config.security == .implicitTLS ? config.tls : nil)
        defer { connection.close() }
        let queued = try await connection.exchange(timeout: config.timeout) { channel in
            try SMTPSession(channel: channel, configuration: config).deliver(from: from.address, to: recipients, data: MIMEMessage.dotStuffed(rendered))
        }
        return EmailReceipt(messageID: queued.isEmpty ? "<\(token)@\(domain)>" : queued, provider: "smtp")
    }

    /// The date header for now, e.g. `Wed, 02 Dec 2026 01:30:00 +0000`.
    static func rfc5322Date() -> String {
        let now = Int(WallClock.unixSeconds())
        let stamp = AWSTimestamp(secondsSince1970: now).amzDate  // YYYYMMDDTHHMMSSZ
        let chars = Array(stamp)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let month = Int(String(chars[4...5]))!
        return "\(days[(now / 86_400) % 7]), \(String(chars[6...7])) \(months[month - 1]) \(String(chars[0...3])) \(String(chars[9...10])):\(String(chars[11...12])):\(String(chars[13...14])) +0000"
    }
}
