import BerthTestSupport
import Foundation
import Testing

/// The `sms_notifications` example through the real binary: with the development default
/// (`SMS_PROVIDER=console`) the code arrives in the development inbox and verifies once; the
/// fourth send within five minutes is a 429 with `Retry-After`; with the `sms_gateways` addon the
/// same code goes out over Twilio's and Vonage's documented HTTP requests, checked on the wire by
/// the suite's local format server (the real APIs are not reachable from here).
struct SMSNotificationsTests {
    func inboxTexts(_ host: IntegrationHost, to phone: String) throws -> [String] {
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=sms")
        return (inbox.json["messages"] as? [[String: Any]] ?? []).filter { ($0["to"] as? [String]) == [phone] }.compactMap { $0["text"] as? String }
    }

    /// The bytes of the SQLite files (with any write-ahead log) of addon `id` in `home`.
    func addonDatabaseBytes(_ id: String, in home: String) throws -> Data {
        var bytes = Data()
        let files = FileManager.default.enumerator(atPath: home)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix("/\(id).sqlite") || file.hasSuffix("/\(id).sqlite-wal") {
            bytes += try Data(contentsOf: URL(fileURLWithPath: home + "/" + file))
        }
        return bytes
    }

    func code(in text: String) -> String { String(text.filter(\.isNumber).suffix(6)) }

    @Test func aCodeSentThroughTheConsoleProviderVerifiesOnceAndTheFourthSendIsLimited() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("sms_notifications", product: "SMSNotifications"), id: "sms_notifications")
        let client = host.berth.anonymous
        let phone = "+4915112345678"

        #expect(try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": "0151 1234"]).errorCode == "invalid_phone")
        let sent = try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": phone])
        #expect(sent.status == 202, "\(sent.text)")
        #expect(sent.json["provider"] as? String == "console")
        let first = code(in: try #require(try inboxTexts(host, to: phone).last, "the code is in the development inbox"))
        #expect(first.count == 6)
        #expect(!sent.text.contains(first), "the answer does not carry the code")

        let wrong = try client.sendJSON("POST", "/api/v1/phone/codes/verify", ["phone": phone, "code": first == "000000" ? "111111" : "000000"])
        #expect(wrong.status == 422, "\(wrong.text)")
        #expect(wrong.errorCode == "code_rejected")
        let verified = try client.sendJSON("POST", "/api/v1/phone/codes/verify", ["phone": phone, "code": first])
        #expect(verified.status == 200, "\(verified.text)")
        #expect(verified.json["verified"] as? Bool == true)
        let again = try client.sendJSON("POST", "/api/v1/phone/codes/verify", ["phone": phone, "code": first])
        #expect(again.status == 410, "single use: \(again.text)")
        #expect(try client.send("GET", "/api/v1/phone/phones/\(phone)").json["verified"] as? Bool == true)

        // A new code: only its salted hash is stored, never the digits.
        #expect(try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": phone]).status == 202)
        let latest = code(in: try inboxTexts(host, to: phone).last ?? "")
        #expect(latest.count == 6, "a second code was sent")
        let stored = try addonDatabaseBytes("sms_notifications", in: host.home)
        #expect(!stored.isEmpty, "the addon's database file is found")
        #expect(stored.range(of: Data(latest.utf8)) == nil, "the code's digits are not in the database")

        let third = try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": phone])
        #expect(third.status == 202, "the third send in five minutes: \(third.text)")
        let limited = try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": phone])
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.errorCode == "too_many_codes")
        let retryAfter = Int(limited.headers["retry-after"] ?? "") ?? 0
        #expect((1...300).contains(retryAfter), "Retry-After: \(limited.headers)")
        #expect(try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": "+4915187654321"]).status == 202, "another phone is not limited")

        let removed = try host.uninstall("sms_notifications")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
    }
}

/// The `sms_gateways` provider addon under `sms_notifications`, against the suite's local server
/// that checks Twilio's and Vonage's documented requests.
@Suite(.enabled(if: ProviderAddons.serversAvailable, "needs tools/scripts/with-test-servers.sh"))
struct SMSGatewaysTests {
    @Test func codesGoOutOverTwilioAndVonageInTheirDocumentedRequestFormat() throws {
        let saasPort = try ProviderAddons.port(of: "BERTH_TEST_SAAS_URL")
        let host = try IntegrationHost(environment: ["BERTH_AUTH_JWT_SECRET": TestTokens.secret])
        defer { host.close() }
        try ProviderAddons.install("sms_gateways", product: "SMSGateways", extraPermissions: ["network:127.0.0.1:\(saasPort)"], config: [
            "sender": "+15005550006", "apiBase": try ProviderAddons.server("BERTH_TEST_SAAS_URL"),
            "twilioAccountSid": "AC" + String(repeating: "a1", count: 16), "twilioAuthToken": "twilio-token",
            "vonageApiKey": "vonage-key", "vonageApiSecret": "vonage-secret",
        ], in: host)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/sms-gateways/gateways").status == 401, "which gateways are set up is for administrators")
        let administrator = HTTPTestClient(port: host.berth.port, token: TestTokens.hs256(["sub": "ops", "roles": ["admin"]]))
        #expect(try administrator.send("GET", "/api/v1/sms-gateways/gateways").json["offered"] as? [String] == ["twilio", "vonage"])
        _ = try host.uploadAndInstall(try host.packages.packExample("sms_notifications", product: "SMSNotifications"), id: "sms_notifications")
        let client = host.berth.anonymous

        for provider in ["twilio", "vonage"] {
            #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/sms", ["provider": provider]).status == 200)
            let sent = try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": "+4915112345678"])
            #expect(sent.status == 202, "\(provider): \(sent.text)")
            #expect(sent.json["provider"] as? String == provider, "\(sent.text)")
        }
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=sms")
        #expect((inbox.json["messages"] as? [[String: Any]] ?? []).isEmpty, "nothing went to the console: \(inbox.text)")

        // A credential the format server refuses (Twilio's SID must be AC + 32 hex digits): the caller gets the error.
        #expect(try host.berth.admin.sendJSON("PATCH", "/api/v1/addons/sms_gateways/config", ["twilioAccountSid": "not-a-sid"]).status == 200)
        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/sms", ["provider": "twilio"]).status == 200)
        let refused = try client.sendJSON("POST", "/api/v1/phone/codes", ["phone": "+4915187654321"])
        #expect(refused.status == 502, "\(refused.text)")
        #expect(refused.errorMessage?.contains("400") == true, "\(refused.text)")

        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/sms", ["provider": "console"]).status == 200)
        for id in ["sms_notifications", "sms_gateways"] {
            let removed = try host.uninstall(id)
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        }
    }
}
