import BerthTestSupport
import Foundation
import Testing

/// The `smtp` provider addon through the real binary against the suite's aiosmtpd (STARTTLS, AUTH):
/// with `EMAIL_PROVIDER=smtp` an addon's email reaches the server, which the test reads back; a
/// wrong password is the caller's error; the addon cannot go while the slot uses it, and leaves
/// nothing behind once it may.
@Suite(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
struct SMTPProviderAddonTests {
    @Test func withEmailProviderSMTPAnAddonsMailReachesTheRealSMTPServerOverSTARTTLSWithAuth() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try ProviderAddons.install("smtp", product: "SMTPProvider", config: try ProviderAddons.smtpConfig(), in: host)
        try ProviderAddons.installSlotsFixture(host, permissions: ["email"])
        #expect((try ProviderAddons.slot("email", in: host)["available"] as? [String])?.contains("smtp") == true, "the addon offers smtp")

        host.berth.stop()
        host.berth.environment["EMAIL_PROVIDER"] = "smtp"
        try host.berth.start()
        let email = try ProviderAddons.slot("email", in: host)
        #expect(email["provider"] as? String == "smtp", "\(email)")
        #expect(email["source"] as? String == "environment")
        #expect(try ProviderAddons.member("smtp", of: "email", in: host)["suppliedBy"] as? String == "smtp")

        let subject = "Welcome \(UUID().uuidString.prefix(8))"
        let sent = try host.berth.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "ada@example.com", "subject": subject, "text": "over a real relay"])
        #expect(sent.status == 200, "\(sent.text)")
        #expect(sent.json["provider"] as? String == "smtp")
        let mail = try #require(try ProviderAddons.spooledMail().first { $0.raw.contains(subject) }, "the SMTP server stored the message")
        #expect(mail.meta["rcpt_tos"] as? [String] == ["ada@example.com"])
        #expect(mail.meta["mail_from"] as? String == "noreply@berth.test")
        #expect(mail.meta["tls"] as? Bool == true, "STARTTLS was used")
        #expect(mail.meta["user"] as? String == (try ProviderAddons.server("BERTH_TEST_SMTP_USER")), "AUTH was used")
        #expect(mail.raw.contains("over a real relay"))
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=email")
        #expect((inbox.json["messages"] as? [[String: Any]] ?? []).isEmpty, "nothing went to the console provider: \(inbox.text)")

        // A wrong password: the relay refuses AUTH, and the caller gets the error (no silent drop).
        #expect(try host.berth.admin.sendJSON("PATCH", "/api/v1/addons/smtp/config", ["password": "wrong"]).status == 200)
        let refused = try host.berth.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "ada@example.com", "subject": "refused", "text": "x"])
        #expect(refused.status == 502, "\(refused.text)")
        #expect(refused.errorCode?.hasPrefix("provider_") == true, "\(refused.text)")

        let inUse = try host.uninstall("smtp")
        #expect(inUse.status == 409, "\(inUse.text)")
        #expect(inUse.errorCode == "provider_in_use")
        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "console"]).status == 200)
        for id in ["smtp", "slots"] {
            let removed = try host.uninstall(id)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        }
        #expect(try ProviderAddons.slot("email", in: host)["available"] as? [String] == ["console"])
    }
}
