import BerthTestSupport
import Foundation
import Testing

/// The `email_marketing` example through the real binary: double opt-in, a campaign from a
/// template, unsubscribe links without login and per-recipient delivery status, first with the
/// development default (`EMAIL_PROVIDER=console`: the mail shows in the development inbox), then
/// with `EMAIL_PROVIDER=smtp` and the `smtp` addon delivering to the suite's real SMTP server.
struct EmailMarketingTests {
    static let environment = ["BERTH_AUTH_JWT_SECRET": TestTokens.secret]

    func marketer(_ host: IntegrationHost) -> HTTPTestClient {
        HTTPTestClient(port: host.berth.port, token: TestTokens.hs256(["sub": "mia", "roles": ["marketing"]]))
    }

    /// The path and query of the first link in `text` that contains `marker`.
    func link(_ marker: String, in text: String) -> String? {
        guard let start = text.range(of: "http://") else { return nil }
        let tail = text[start.lowerBound...]
        for candidate in tail.components(separatedBy: CharacterSet.whitespacesAndNewlines) where candidate.contains(marker) {
            guard let url = URLComponents(string: candidate) else { continue }
            return url.percentEncodedPath + "?" + (url.percentEncodedQuery ?? "")
        }
        return nil
    }

    /// The text of a single-part message as sent over SMTP (7bit, or base64 for long lines).
    func textBody(of raw: String) -> String {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        guard let split = normalized.range(of: "\n\n") else { return raw }
        let head = normalized[..<split.lowerBound], body = String(normalized[split.upperBound...])
        guard head.lowercased().contains("content-transfer-encoding: base64"),
              let data = Data(base64Encoded: body, options: .ignoreUnknownCharacters) else { return body }
        return String(decoding: data, as: UTF8.self)
    }

    func inbox(_ host: IntegrationHost, to address: String) throws -> [[String: Any]] {
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=email")
        return (inbox.json["messages"] as? [[String: Any]] ?? []).filter { ($0["to"] as? [String]) == [address] }
    }

    @Test func doubleOptInACampaignAndAnUnsubscribeLinkWorkWithTheConsoleProvider() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("email_marketing", product: "EmailMarketing"), id: "email_marketing")
        let anonymous = host.berth.anonymous

        #expect(try anonymous.sendJSON("POST", "/api/v1/marketing/subscribers", ["email": "not an address"]).errorCode == "invalid_email")
        for address in ["ada@example.com", "bob@example.com"] {
            let subscribed = try anonymous.sendJSON("POST", "/api/v1/marketing/subscribers", ["email": address])
            #expect(subscribed.status == 202, "\(subscribed.text)")
            #expect(subscribed.json["status"] as? String == "pending")
        }
        // Only Ada confirms; Bob stays pending and gets no campaign.
        let confirmation = try #require(try inbox(host, to: "ada@example.com").last, "the confirmation mail is in the development inbox")
        let confirmPath = try #require(link("/confirm", in: confirmation["text"] as? String ?? ""), "\(confirmation)")
        let confirmed = try anonymous.send("GET", confirmPath)
        #expect(confirmed.status == 200, "\(confirmed.text)")
        #expect(confirmed.json["status"] as? String == "confirmed")
        #expect(try anonymous.send("GET", confirmPath).errorCode == "invalid_link", "a confirmation link works once")

        let template = ["subject": "December news", "template": "Hello {{email}}, the harbour opens.\nLeave: {{unsubscribe_url}}"]
        #expect(try anonymous.sendJSON("POST", "/api/v1/marketing/campaigns", template).status == 401, "campaigns need a signed-in marketer")
        let campaign = try marketer(host).sendJSON("POST", "/api/v1/marketing/campaigns", template)
        #expect(campaign.status == 201, "\(campaign.text)")
        let id = try #require(campaign.json["id"] as? String)
        let sent = try marketer(host).send("POST", "/api/v1/marketing/campaigns/\(id)/send")
        #expect(sent.status == 200, "\(sent.text)")
        #expect(sent.json["sent"] as? Int == 1, "\(sent.text)")
        let delivery = (sent.json["deliveries"] as? [[String: Any]])?.first
        #expect(delivery?["email"] as? String == "ada@example.com")
        #expect(delivery?["provider"] as? String == "console")
        #expect(try inbox(host, to: "bob@example.com").count == 1, "the pending subscriber got only the confirmation")

        let mail = try #require(try inbox(host, to: "ada@example.com").last)
        #expect(mail["subject"] as? String == "December news")
        let text = mail["text"] as? String ?? ""
        #expect(text.contains("Hello ada@example.com, the harbour opens."), "\(text)")
        let unsubscribe = try #require(link("/unsubscribe", in: text), "\(text)")
        let left = try anonymous.send("GET", unsubscribe)
        #expect(left.status == 200, "\(left.text)")
        #expect(left.json["status"] as? String == "unsubscribed")
        let second = try marketer(host).send("POST", "/api/v1/marketing/campaigns/\(try #require(try marketer(host).sendJSON("POST", "/api/v1/marketing/campaigns", template).json["id"] as? String))/send")
        #expect(second.json["sent"] as? Int == 0, "an unsubscribed address gets no more campaigns: \(second.text)")

        let removed = try host.uninstall("email_marketing")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
    }

    @Test(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
    func withEmailProviderSMTPTheCampaignReachesTheRealSMTPServer() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        try ProviderAddons.install("smtp", product: "SMTPProvider", config: try ProviderAddons.smtpConfig(), in: host)
        _ = try host.uploadAndInstall(try host.packages.packExample("email_marketing", product: "EmailMarketing"), id: "email_marketing")
        host.berth.stop()
        host.berth.environment["EMAIL_PROVIDER"] = "smtp"
        try host.berth.start()

        let address = "reader-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        #expect(try host.berth.anonymous.sendJSON("POST", "/api/v1/marketing/subscribers", ["email": address]).status == 202)
        let confirmation = try #require(try ProviderAddons.spooledMail().last { ($0.meta["rcpt_tos"] as? [String]) == [address] }, "the confirmation reached the SMTP server")
        let body = textBody(of: confirmation.raw)
        let confirmPath = try #require(link("/confirm", in: body), "\(body)")
        #expect(try host.berth.anonymous.send("GET", confirmPath).json["status"] as? String == "confirmed")

        let subject = "Harbour news \(UUID().uuidString.prefix(6))"
        let campaign = try marketer(host).sendJSON("POST", "/api/v1/marketing/campaigns", ["subject": subject, "template": "Hello {{email}}"])
        let sent = try marketer(host).send("POST", "/api/v1/marketing/campaigns/\(campaign.json["id"] as? String ?? "")/send")
        #expect(sent.json["sent"] as? Int == 1, "\(sent.text)")
        #expect((sent.json["deliveries"] as? [[String: Any]])?.first?["provider"] as? String == "smtp", "\(sent.text)")
        let delivered = try ProviderAddons.spooledMail().filter { ($0.meta["rcpt_tos"] as? [String]) == [address] }
        #expect(delivered.count == 2, "confirmation and campaign")
        #expect(delivered.last?.raw.contains(subject) == true)
        #expect(link("/unsubscribe", in: textBody(of: delivered.last?.raw ?? "")) != nil, "the campaign carries its unsubscribe link")
        #expect((try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=email").json["messages"] as? [[String: Any]] ?? []).isEmpty, "nothing went to the console")
    }
}
