import Foundation
import PluginAPI
import ProviderKit
import Testing

/// The SMTP client against a real aiosmtpd server on loopback (STARTTLS and implicit TLS with a
/// certificate from a throw-away CA, AUTH), reading back what the server stored.
@Suite(.enabled(if: TestServers.available))
struct SMTPClientTests {
    struct Stored {
        let raw: String
        let envelope: [String: Any]
    }

    func configuration(_ security: SMTPSecurity) throws -> SMTPConfiguration {
        let port = Int(try TestServers.value(security == .implicitTLS ? "BERTH_TEST_SMTPS_PORT" : "BERTH_TEST_SMTP_PORT"))!
        return SMTPConfiguration(
            host: "127.0.0.1", port: port, security: security, username: try TestServers.value("BERTH_TEST_SMTP_USER"),
            password: try TestServers.value("BERTH_TEST_SMTP_PASSWORD"), tls: TLSOptions(serverName: "localhost", caFile: try TestServers.value("BERTH_TEST_CA")),
            defaultFrom: EmailAddress("noreply@berth.test", name: "Berth"), timeout: .seconds(10))
    }

    /// The stored message whose subject contains `marker`.
    func stored(_ marker: String) throws -> Stored {
        let spool = URL(fileURLWithPath: try TestServers.value("BERTH_TEST_SMTP_SPOOL"))
        for name in try FileManager.default.contentsOfDirectory(atPath: spool.path) where name.hasSuffix(".eml") {
            let raw = try String(contentsOf: spool.appendingPathComponent(name), encoding: .utf8)
            guard raw.contains(marker) else { continue }
            let meta = try Data(contentsOf: spool.appendingPathComponent(name.replacingOccurrences(of: ".eml", with: ".json")))
            return Stored(raw: raw, envelope: try JSONSerialization.jsonObject(with: meta) as? [String: Any] ?? [:])
        }
        throw TestServerMissing(name: "a stored message with \(marker)")
    }

    func marker() -> String { "m\(UInt64.random(in: 0...UInt64.max))" }

    @Test func aMessageWithAlternativesAndAnAttachmentArrivesOverSTARTTLSWithAuthPlain() async throws {
        let id = marker()
        let attachment = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let message = EmailMessage(
            to: [EmailAddress("ada@example.com", name: "Ada Lovelace")], cc: [EmailAddress("cc@example.com")], bcc: [EmailAddress("hidden@example.com")],
            subject: "Welcome \(id)", text: "Hello Ada,\n.hidden line starts with a dot\n..two dots\nBye", html: "<p>Hello <b>Ada</b></p>",
            attachments: [EmailAttachment(filename: "invoice.pdf", contentType: "application/pdf", content: attachment)])
        let receipt = try await SMTPClient(configuration(.startTLS)).send(message)
        #expect(receipt.provider == "smtp")
        #expect(receipt.messageID.contains("queued"))
        let mail = try stored(id)
        #expect(mail.envelope["tls"] as? Bool == true)
        #expect(mail.envelope["user"] as? String == "berth")
        #expect(mail.envelope["mail_from"] as? String == "noreply@berth.test")
        #expect(Set(mail.envelope["rcpt_tos"] as? [String] ?? []) == ["ada@example.com", "cc@example.com", "hidden@example.com"])
        #expect(mail.raw.contains("To: Ada Lovelace <ada@example.com>"))
        #expect(!mail.raw.contains("hidden@example.com"))
        #expect(mail.raw.contains("multipart/alternative"))
        #expect(mail.raw.contains("Content-Type: text/html; charset=utf-8"))
        // Dot-stuffing undone by the server: the lines are back as written.
        #expect(mail.raw.contains("\r\n.hidden line starts with a dot\r\n..two dots\r\n"))
        let base64 = try #require(mail.raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").last?.components(separatedBy: "\r\n--").first)
        #expect(Data(base64Encoded: base64.replacingOccurrences(of: "\r\n", with: "")).map(Array.init) == attachment)
    }

    @Test func implicitTLSWithANonASCIISubjectArrives() async throws {
        let id = marker()
        let receipt = try await SMTPClient(configuration(.implicitTLS)).send(EmailMessage(from: EmailAddress("billing@berth.test", name: "Zoë Müller"), to: [EmailAddress("bob-\(id)@example.com")], subject: "Rechnung für \(id) ✓", text: "Grüße"))
        #expect(!receipt.messageID.isEmpty)
        let mail = try stored(id)
        #expect(mail.envelope["tls"] as? Bool == true)
        #expect(mail.raw.contains("Subject: =?UTF-8?B?"))
        #expect(mail.raw.contains("From: =?UTF-8?B?"))
        #expect(mail.raw.contains("Content-Transfer-Encoding: base64"))
    }

    @Test func aWrongPasswordIsRefusedNamingTheServersAnswer() async throws {
        var config = try configuration(.startTLS)
        config.password = "wrong"
        let error = await #expect(throws: ProviderError.self) { _ = try await SMTPClient(config).send(EmailMessage(to: [EmailAddress("a@example.com")], subject: "x", text: "x")) }
        #expect(error?.message.contains("535") == true)
    }

    @Test func aCertificateFromAnUntrustedAuthorityFailsTheHandshake() async throws {
        var config = try configuration(.startTLS)
        config.tls = TLSOptions(serverName: "localhost")  // the system's roots do not know the test CA
        let error = await #expect(throws: ProviderError.self) { _ = try await SMTPClient(config).send(EmailMessage(to: [EmailAddress("a@example.com")], subject: "x", text: "x")) }
        #expect(error?.code == "provider_tls_failed")
    }

    @Test func aCertificateForAnotherNameFailsTheHandshake() async throws {
        var config = try configuration(.implicitTLS)
        config.tls.serverName = "mail.example.com"
        let error = await #expect(throws: ProviderError.self) { _ = try await SMTPClient(config).send(EmailMessage(to: [EmailAddress("a@example.com")], subject: "x", text: "x")) }
        #expect(error?.code == "provider_tls_failed")
    }

    @Test func credentialsAreNeverSentWithoutTLS() async throws {
        var config = try configuration(.startTLS)
        config.security = .none
        let error = await #expect(throws: ProviderError.self) { _ = try await SMTPClient(config).send(EmailMessage(to: [EmailAddress("a@example.com")], subject: "x", text: "x")) }
        #expect(error?.code == "provider_invalid_configuration")
    }

    @Test func aServerThatNeverGreetsTimesOut() async throws {
        let silent = try SilentServer()
        let config = SMTPConfiguration(host: "127.0.0.1", port: silent.port, security: .startTLS, defaultFrom: EmailAddress("a@b.c"), timeout: .milliseconds(300))
        let error = await #expect(throws: ProviderError.self) { _ = try await SMTPClient(config).send(EmailMessage(to: [EmailAddress("a@example.com")], subject: "x", text: "x")) }
        #expect(error?.code == "provider_timed_out")
    }

    @Test func presetsNameEachRelay() throws {
        #expect(SMTPConfiguration.sendGrid(apiKey: "SG.x").host == "smtp.sendgrid.net")
        #expect(SMTPConfiguration.sendGrid(apiKey: "SG.x").username == "apikey")
        #expect(try SMTPConfiguration.preset("ses", username: "AKIA", password: "p", region: "eu-west-1").host == "email-smtp.eu-west-1.amazonaws.com")
        #expect(SMTPConfiguration.resend(apiKey: "re_x").security == .implicitTLS)
        #expect(SMTPConfiguration.resend(apiKey: "re_x").port == 465)
        #expect(SMTPConfiguration.postmark(serverToken: "t").username == "t")
        #expect(SMTPConfiguration.mailgun(username: "postmaster@mg.example.com", password: "p").host == "smtp.mailgun.org")
        #expect(throws: ProviderError.self) { try SMTPConfiguration.preset("pigeon", username: nil, password: "p") }
    }

    @Test func dotStuffingDoublesLeadingDotsAndEndsData() {
        let stuffed = MIMEMessage.dotStuffed(Array(".a\r\nb\r\n.\r\n".utf8))
        #expect(String(decoding: stuffed, as: UTF8.self) == "..a\r\nb\r\n..\r\n.\r\n")
    }
}
