import BerthTestSupport
import Foundation
import Testing

/// The provider slots through the real binary: an addon's email reaches the development inbox,
/// `PUT /api/v1/providers/{slot}` switches without a restart (and survives one), a failover moves on
/// past a provider's refusal, an addon whose provider is in use cannot be removed, presigned
/// local-storage URLs are checked, and a variable naming a missing provider stops the host.
struct ProviderSlotsTests {
    func installProviderFixture(_ host: IntegrationHost, id: String = "slots", permissions: [String] = ["email", "storage"]) throws {
        let archive = try host.packages.fixture(id: id, version: "1.0.0", product: "FixtureProviderAddon") { $0.permissions = permissions }
        let installed = try host.uploadAndInstall(archive, id: id)
        #expect(installed.status == 201, "\(installed.text)")
    }

    func inboxSubjects(_ host: IntegrationHost) throws -> [String] {
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox?channel=email")
        #expect(inbox.status == 200, "\(inbox.text)")
        return (inbox.json["messages"] as? [[String: Any]] ?? []).compactMap { $0["subject"] as? String }
    }

    func send(_ host: IntegrationHost, subject: String) throws -> HTTPTestClient.Reply {
        try host.berth.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "ada@example.com", "subject": subject, "text": "welcome aboard"])
    }

    func slot(_ name: String, in host: IntegrationHost) throws -> [String: Any] {
        let reply = try host.berth.admin.send("GET", "/api/v1/providers")
        #expect(reply.status == 200, "\(reply.text)")
        return (reply.json["slots"] as? [[String: Any]] ?? []).first { $0["slot"] as? String == name } ?? [:]
    }

    @Test func anAddonsEmailThroughTheConsoleProviderAppearsInTheDevelopmentInbox() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installProviderFixture(host)
        let sent = try send(host, subject: "Confirm your address")
        #expect(sent.status == 200, "\(sent.text)")
        #expect(sent.json["provider"] as? String == "console")
        let inbox = try host.berth.admin.send("GET", "/api/v1/dev/inbox")
        let messages = inbox.json["messages"] as? [[String: Any]] ?? []
        #expect(messages.count == 1, "\(inbox.text)")
        #expect(messages.first?["subject"] as? String == "Confirm your address")
        #expect(messages.first?["to"] as? [String] == ["ada@example.com"])
        #expect(messages.first?["id"] as? String == sent.json["id"] as? String)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/dev/inbox").status == 401, "the inbox needs the admin token")
        let log = try String(contentsOfFile: host.berth.logFile, encoding: .utf8)
        #expect(log.contains("Confirm your address"), "the console provider prints the message to the host log")

        let email = try slot("email", in: host)
        #expect(email["provider"] as? String == "console")
        #expect(email["source"] as? String == "default")
        #expect((email["available"] as? [String])?.contains("refusing") == true, "the addon's offer is listed: \(email)")
    }

    @Test func switchingTheEmailSlotTakesEffectAtOnceFailsOverPastARefusalAndSurvivesARestart() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installProviderFixture(host)
        let admin = host.berth.admin

        let toRefusing = try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "refusing"])
        #expect(toRefusing.status == 200, "\(toRefusing.text)")
        #expect(((toRefusing.json["providers"] as? [[String: Any]])?.first)?["suppliedBy"] as? String == "slots")
        let refused = try send(host, subject: "refused")
        #expect(refused.status == 422, "one provider: its own error reaches the caller: \(refused.text)")
        #expect(refused.errorCode == "recipient_rejected")
        #expect(try inboxSubjects(host).isEmpty)

        let toFailover = try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "failover:refusing,console"])
        #expect(toFailover.status == 200, "\(toFailover.text)")
        let delivered = try send(host, subject: "delivered after a refusal")
        #expect(delivered.status == 200, "a failover moves on after a non-transport error: \(delivered.text)")
        #expect(delivered.json["provider"] as? String == "console")
        #expect(try inboxSubjects(host) == ["delivered after a refusal"])

        // The addon supplies a provider the email slot uses: it cannot go.
        let uninstall = try host.uninstall("slots")
        #expect(uninstall.status == 409, "\(uninstall.text)")
        #expect(uninstall.errorCode == "provider_in_use")
        #expect(uninstall.errorMessage?.contains("email") == true, "\(uninstall.text)")
        let deactivate = try admin.send("POST", "/api/v1/addons/slots/deactivate")
        #expect(deactivate.status == 409, "\(deactivate.text)")

        let unknownSlot = try admin.sendJSON("PUT", "/api/v1/providers/fax", ["provider": "console"])
        #expect(unknownSlot.status == 404)
        #expect(unknownSlot.errorMessage?.contains("fax") == true)
        let unknownProvider = try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "smtp"])
        #expect(unknownProvider.status == 404)
        #expect(unknownProvider.errorCode == "provider_not_installed")
        #expect(unknownProvider.errorMessage?.contains("smtp") == true)
        let badForm = try admin.sendJSON("PUT", "/api/v1/providers/cache", ["provider": "round_robin:memory,other"])
        #expect(badForm.status == 400, "\(badForm.text)")
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "console"]).status == 200)

        // The choice is recorded in the home: a restart keeps it.
        #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "failover:refusing,console"]).status == 200)
        host.berth.stop()
        try host.berth.start()
        let after = try slot("email", in: host)
        #expect(after["provider"] as? String == "failover:refusing,console", "\(after)")
        #expect(after["source"] as? String == "admin")

        #expect(try admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "console"]).status == 200)
        #expect(try host.uninstall("slots").status == 200, "once no slot uses its provider, the addon can go")
    }

    @Test func aPresignedLocalStorageURLWorksAndAnExpiredOrTamperedOneIsRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installProviderFixture(host)
        let client = host.berth.anonymous
        let stored = try client.send("PUT", "/api/v1/slots/objects/report.txt", body: Array("quarterly figures".utf8), headers: ["Content-Type": "text/plain"])
        #expect(stored.status == 200, "\(stored.text)")

        let presigned = try client.send("GET", "/api/v1/slots/presign/report.txt")
        let url = try #require(URLComponents(string: presigned.json["url"] as? String ?? ""), "\(presigned.text)")
        let path = url.percentEncodedPath + "?" + (url.percentEncodedQuery ?? "")
        let fetched = try client.send("GET", path)
        #expect(fetched.status == 200, "\(fetched.text)")
        #expect(fetched.text == "quarterly figures")

        let tampered = try client.send("GET", path.replacingOccurrences(of: "report.txt", with: "other.txt"))
        #expect(tampered.status == 403)
        #expect(tampered.errorCode == "presigned_url_invalid")
        let longer = try client.send("GET", path.replacingOccurrences(of: "expires=", with: "expires=9"))
        #expect(longer.errorCode == "presigned_url_invalid", "a changed expiry breaks the signature: \(longer.text)")

        let upload = try client.send("GET", "/api/v1/slots/presign/upload.txt?method=put")
        let uploadURL = try #require(URLComponents(string: upload.json["url"] as? String ?? ""))
        let uploadPath = uploadURL.percentEncodedPath + "?" + (uploadURL.percentEncodedQuery ?? "")
        #expect(try client.send("PUT", uploadPath, body: Array("sent by a browser".utf8), headers: ["Content-Type": "text/plain"]).status == 200)
        #expect(try client.send("GET", "/api/v1/slots/objects/upload.txt").text == "sent by a browser")
        #expect(try client.send("PUT", uploadPath, body: Array("x".utf8), headers: ["Content-Type": "text/html"]).status == 400, "the signed content type is enforced")
        #expect(try client.send("GET", uploadPath).errorCode == "presigned_url_invalid", "a PUT URL does not read")

        let short = try client.send("GET", "/api/v1/slots/presign/report.txt?seconds=1")
        let shortURL = try #require(URLComponents(string: short.json["url"] as? String ?? ""))
        let shortPath = shortURL.percentEncodedPath + "?" + (shortURL.percentEncodedQuery ?? "")
        var last: HTTPTestClient.Reply?
        try pollUntil("the one-second URL expires", timeout: 5) {
            last = try client.send("GET", shortPath)
            return last?.status == 403
        }
        #expect(last?.errorCode == "presigned_url_expired", "\(last?.text ?? "")")
    }

    @Test func aVariableNamingAProviderThatIsNotInstalledStopsTheHostWithTheMessage() throws {
        let folder = try TemporaryDirectory("berth-providers")
        defer { folder.remove() }
        let berth = BerthProcess(home: folder.appending("home"), environment: ["EMAIL_PROVIDER": "smtp"])
        #expect(throws: ClientError.self) { try berth.start() }
        #expect(berth.waitForExit())
        #expect(berth.terminationStatus != 0)
        let log = try String(contentsOfFile: berth.logFile, encoding: .utf8)
        #expect(log.contains("EMAIL_PROVIDER=smtp"), "\(log)")
        #expect(log.contains("email slot"), "\(log)")
        #expect(log.contains("install"), "\(log)")

        let badForm = BerthProcess(home: folder.appending("home2"), environment: ["CACHE_PROVIDER": "failover:memory,redis"])
        #expect(throws: ClientError.self) { try badForm.start() }
        let log2 = try String(contentsOfFile: badForm.logFile, encoding: .utf8)
        #expect(log2.contains("CACHE_PROVIDER=failover:memory,redis"), "\(log2)")
    }
}
