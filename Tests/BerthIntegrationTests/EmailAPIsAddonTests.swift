import BerthTestSupport
import Foundation
import Testing

/// The `email_apis` provider addon (SendGrid, Mailgun, Postmark, Resend over HTTP) under the email
/// slot, against the suite's local server that checks each API's documented request format (the
/// real APIs are not reachable from here); a refused request is the caller's error and a failover
/// moves on to the next provider.
@Suite(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
struct EmailAPIsAddonTests {
    @Test func eachHTTPAPIAcceptsTheMessageInItsDocumentedFormatAndARefusalFailsOver() throws {
        let saasPort = try ProviderAddons.port(of: "BERTH_TEST_SAAS_URL")
        let host = try IntegrationHost(environment: ["BERTH_AUTH_JWT_SECRET": TestTokens.secret])
        defer { host.close() }
        try ProviderAddons.install("email_apis", product: "EmailAPIs", extraPermissions: ["network:127.0.0.1:\(saasPort)"], config: [
            "apiBase": try ProviderAddons.server("BERTH_TEST_SAAS_URL"), "fromAddress": "news@berth.test", "fromName": "Berth News",
            "sendgridApiKey": "SG.berth-test.key", "mailgunApiKey": "key-berth", "mailgunDomain": "mg.berth.test",
            "postmarkServerToken": "server-token", "resendApiKey": "re_berthtest",
        ], in: host)
        let administrator = HTTPTestClient(port: host.berth.port, token: TestTokens.hs256(["sub": "ops", "roles": ["admin"]]))
        #expect(try administrator.send("GET", "/api/v1/email-apis/providers").json["offered"] as? [String] == ["sendgrid", "mailgun", "postmark", "resend"])
        try ProviderAddons.installSlotsFixture(host, permissions: ["email"])
        let admin = host.berth.admin

        for provider in ["sendgrid", "mailgun", "postmark", "resend"] {
            #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": provider]).status == 200)
            let sent = try host.berth.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "ada@example.com", "subject": "Hello over \(provider)", "text": "welcome aboard"])
            #expect(sent.status == 200, "\(provider): \(sent.text)")
            #expect(sent.json["provider"] as? String == provider, "\(sent.text)")
            #expect((sent.json["id"] as? String)?.isEmpty == false, "\(provider) answered a message id: \(sent.text)")
        }

        // Resend keys start with re_: the format server refuses this one; the caller sees it, and a failover moves on.
        #expect(try admin.sendJSON("PATCH", "/api/v1/addons/email_apis/config", ["resendApiKey": "wrong"]).status == 200)
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "resend"]).status == 200)
        let refused = try host.berth.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "ada@example.com", "subject": "refused", "text": "x"])
        #expect(refused.status == 502, "\(refused.text)")
        #expect(refused.errorCode == "provider_refused")
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "failover:resend,postmark"]).status == 200)
        let failedOver = try host.berth.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "ada@example.com", "subject": "failed over", "text": "x"])
        #expect(failedOver.json["provider"] as? String == "postmark", "\(failedOver.text)")

        #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "console"]).status == 200)
        for id in ["slots", "email_apis"] {
            let removed = try host.uninstall(id)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        }
    }
}
