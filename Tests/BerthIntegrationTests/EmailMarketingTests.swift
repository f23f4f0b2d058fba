import BerthTestSupport
import Foundation
import Testing

/// The `email_marketing` example through the real binary: double opt-in, a campaign from a
/// template, unsubscribe links without login and per-recipient delivery status, first with the
/// development default (`EMAIL_PROVIDER=console`: the mail shows in the development inbox), then
/// with `EMAIL_PROVIDER=smtp` and the `smtp` addon delivering to the suite's real SMTP server; and
/// a campaign scheduled with `sendAt`, sent once by the addon's job with two workers (on SQLite
/// and PostgreSQL), also after an upgrade from the build without scheduling.
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

    @Test(arguments: UninstallAcrossWorkersTests.Database.allCases)
    func aScheduledCampaignIsSentOnceWhenDueByTheJobWithTwoWorkers(_ database: UninstallAcrossWorkersTests.Database) throws {
        var environment = Self.environment
        var postgres: PostgresTestDatabase?
        if database == .postgres {
            guard PostgresTestDatabase.shouldRun else { return }
            postgres = try PostgresTestDatabase()
            environment["BERTH_DATABASE_URL"] = postgres?.url
        }
        defer { postgres?.drop() }
        let host = try SupervisedHost(workers: 2, environment: environment)
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("email_marketing", product: "EmailMarketing"), id: "email_marketing")
        try pollUntil("two workers serve", timeout: 20) { host.workerPIDs().count == 2 }
        let marketer = HTTPTestClient(port: host.berth.port, token: TestTokens.hs256(["sub": "mia", "roles": ["marketing"]]))
        func mails(_ subject: String) throws -> [[String: Any]] {
            let inbox = try host.admin.send("GET", "/api/v1/dev/inbox?channel=email").json["messages"] as? [[String: Any]] ?? []
            return inbox.filter { $0["subject"] as? String == subject && ($0["to"] as? [String]) == ["ada@example.com"] }
        }

        #expect(try host.anonymous.sendJSON("POST", "/api/v1/marketing/subscribers", ["email": "ada@example.com"]).status == 202)
        let confirmation = try #require(try mails("Please confirm your subscription").last)
        let confirmPath = try #require(link("/confirm", in: confirmation["text"] as? String ?? ""))
        #expect(try host.anonymous.send("GET", confirmPath).json["status"] as? String == "confirmed")

        let now = Int(Date().timeIntervalSince1970)
        let milliseconds = try marketer.sendJSON("POST", "/api/v1/marketing/campaigns", ["subject": "Soon", "template": "Hi", "sendAt": now * 1000])
        #expect(milliseconds.status == 422 && milliseconds.errorCode == "invalid_send_at", "a time in milliseconds is refused: \(milliseconds.text)")
        let text = try marketer.sendJSON("POST", "/api/v1/marketing/campaigns", ["subject": "Soon", "template": "Hi", "sendAt": "tomorrow"])
        #expect(text.status == 400 && text.errorCode != nil, "\(text.text)")

        // One campaign due in 3 seconds, for the job; one due in an hour, sent now by hand.
        let sendAt = now + 3
        let scheduled = try marketer.sendJSON("POST", "/api/v1/marketing/campaigns", ["subject": "Harbour opens", "template": "Hello {{email}}", "sendAt": sendAt])
        #expect(scheduled.status == 201, "\(scheduled.text)")
        #expect(scheduled.json["status"] as? String == "scheduled")
        let id = try #require(scheduled.json["id"] as? String)
        let later = try marketer.sendJSON("POST", "/api/v1/marketing/campaigns", ["subject": "Later news", "template": "Hi", "sendAt": now + 3600])
        let laterID = try #require(later.json["id"] as? String)
        let early = try marketer.send("POST", "/api/v1/marketing/campaigns/\(laterID)/send")
        #expect(early.json["status"] as? String == "sent" && early.json["sent"] as? Int == 1, "\(early.text)")
        let waiting = try marketer.send("GET", "/api/v1/marketing/campaigns/\(id)")
        #expect(waiting.json["status"] as? String == "scheduled" && waiting.json["sendAt"] as? Int == sendAt, "\(waiting.text)")

        try pollUntil("the scheduled campaign reached the inbox", timeout: 30) { !(try mails("Harbour opens")).isEmpty }
        let mail = try #require(try mails("Harbour opens").first)
        #expect((mail["sentAt"] as? Double ?? 0) >= Double(sendAt), "sent before its time: \(mail)")
        #expect((mail["text"] as? String)?.contains("Hello ada@example.com") == true)
        try pollUntil("the campaign shows sent", timeout: 10) {
            try marketer.send("GET", "/api/v1/marketing/campaigns/\(id)").json["status"] as? String == "sent"
        }
        // Two more runs of the job after the send: neither mails it again, nor the one sent by hand.
        func runs() throws -> [(id: Int, result: String)] {
            let jobs = try host.admin.send("GET", "/api/v1/addons/email_marketing/jobs").json["jobs"] as? [[String: Any]] ?? []
            let runs = jobs.first { $0["name"] as? String == "send_scheduled_campaigns" }?["lastRuns"] as? [[String: Any]] ?? []
            return runs.map { ($0["id"] as? Int ?? 0, $0["result"] as? String ?? "") }
        }
        let lastAtSend = try runs().map(\.id).max() ?? 0
        try pollUntil("two more runs of the job", timeout: 30) { try runs().filter { $0.id > lastAtSend && $0.result == "succeeded" }.count >= 2 }
        #expect(try mails("Harbour opens").count == 1, "the campaign was mailed more than once")
        #expect(try mails("Later news").count == 1, "the campaign sent by hand was mailed again")
        let status = try marketer.send("GET", "/api/v1/marketing/campaigns/\(id)")
        #expect(status.json["status"] as? String == "sent" && status.json["sent"] as? Int == 1, "\(status.text)")
        #expect(((status.json["sentAt"] as? Int) ?? 0) >= sendAt, "\(status.text)")
    }

    @Test func anUpgradeAddsTheScheduleColumnsAndKeepsTheSubscribers() throws {
        let host = try IntegrationHost(environment: Self.environment.merging(["BERTH_DEV_MODE": "1"]) { $1 })
        defer { host.close() }
        // The build before scheduling: the same library, with only the first three migrations.
        let folder = BuiltProducts.repositoryRoot + "/Addons/email_marketing/migrations/sqlite/"
        let migrations = try ["0001_create_subscribers", "0002_create_campaigns", "0003_create_deliveries"].map { id in
            (id: id, up: try String(contentsOfFile: folder + id + ".up.sql", encoding: .utf8), down: try String(contentsOfFile: folder + id + ".down.sql", encoding: .utf8))
        }
        let before = try host.packages.make(id: "email_marketing", version: "1.1.0", product: "EmailMarketing", mountPrefix: "/api/v1/marketing", migrations: migrations) {
            $0.permissions = ["database", "email", "events"]
        }
        #expect(try host.uploadAndInstall(before, id: "email_marketing").status == 201)
        #expect(try host.berth.anonymous.sendJSON("POST", "/api/v1/marketing/subscribers", ["email": "ada@example.com"]).status == 202)
        let confirmation = try #require(try inbox(host, to: "ada@example.com").last)
        #expect(try host.berth.anonymous.send("GET", try #require(link("/confirm", in: confirmation["text"] as? String ?? ""))).json["status"] as? String == "confirmed")

        #expect(try host.upload(try host.packages.packExample("email_marketing", product: "EmailMarketing")).status == 201)
        let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/email_marketing/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        #expect(upgraded.json["migrations"] as? [String] == ["+0004_schedule_campaigns"], "\(upgraded.text)")

        // A campaign due now reaches the subscriber confirmed before the upgrade, through the job.
        let campaign = try marketer(host).sendJSON("POST", "/api/v1/marketing/campaigns", ["subject": "After the upgrade", "template": "Hi", "sendAt": Int(Date().timeIntervalSince1970)])
        #expect(campaign.status == 201, "\(campaign.text)")
        try pollUntil("the job sent the campaign", timeout: 30) { try inbox(host, to: "ada@example.com").contains { $0["subject"] as? String == "After the upgrade" } }
        let removed = try host.uninstall("email_marketing")
        #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
    }
}
