import BerthTestSupport
import Foundation
import Testing

/// pack → upload → install → use → restart → still served → uninstall → nothing left, all
/// against the real binary over HTTP.
struct FullLifecycleTests {
    @Test func anAddonIsInstalledServedAcrossARestartAndUninstalledWithoutResidue() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.packExample("ai_chatbot", product: "AIChatbot")

        let uploaded = try host.upload(archive)
        #expect(uploaded.status == 201, "\(uploaded.text)")
        let installed = try host.install("ai_chatbot")
        #expect(installed.status == 201, "\(installed.text)")
        let listed = try host.berth.admin.send("GET", "/api/v1/marketplace/packages").json["packages"] as? [[String: Any]] ?? []
        #expect(listed.map { $0["state"] as? String } == ["installed"])
        #expect(installed.json["migrations"] as? [String] == ["0001_create_sessions", "0002_create_messages", "0003_add_session_owner"])

        let client = host.berth.anonymous
        let session = try client.sendJSON("POST", "/api/v1/chat/sessions", ["title": "support"])
        #expect(session.status == 201)
        let message = try client.sendJSON("POST", "/api/v1/chat/sessions/1/messages", ["content": "hello berth"])
        #expect(message.status == 201)
        #expect((message.json["reply"] as? String)?.contains("Hello") == true)

        host.berth.stop()
        try host.berth.start()
        let afterRestart = try client.send("GET", "/api/v1/chat/sessions/1")
        #expect(afterRestart.status == 200, "\(afterRestart.text)")
        #expect((afterRestart.json["messages"] as? [[String: Any]])?.count == 2)

        let database = host.home + "/.berth/data/ai_chatbot.sqlite"
        #expect(FileManager.default.fileExists(atPath: database))
        let uninstalled = try host.uninstall("ai_chatbot")
        #expect(uninstalled.status == 200, "\(uninstalled.text)")
        #expect(uninstalled.json["residue"] as? [String] == [])
        #expect((uninstalled.json["removed"] as? [String: Any])?["migrationsReverted"] as? [String] == ["0003_add_session_owner", "0002_create_messages", "0001_create_sessions"])

        #expect(try client.send("GET", "/api/v1/chat/sessions").status == 404)
        let catalog = try host.berth.admin.send("GET", "/api/v1/marketplace/packages").json["packages"] as? [[String: Any]] ?? []
        #expect(catalog.map { $0["state"] as? String } == ["validated"])
        #expect(!FileManager.default.fileExists(atPath: database))
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/addons/ai_chatbot"))
        let registry = try String(contentsOfFile: host.home + "/addon_registry.json", encoding: .utf8)
        #expect(!registry.contains("ai_chatbot"))
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/ai_chatbot").status == 404)
    }

    @Test func anUninstalledAddonCanBeInstalledAgainInTheSameProcess() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.packExample("greeter", product: "Greeter")
        _ = try host.uploadAndInstall(archive, id: "greeter")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 1)
        #expect(try host.uninstall("greeter").status == 200)
        #expect(try host.install("greeter").status == 201)
        // A fresh namespace: the count starts again.
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 1)
    }

    @Test func deactivationUnmountsWithoutTouchingDataAndActivationRemounts() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        let client = host.berth.anonymous
        #expect(try client.send("GET", "/api/v1/greet/ada").status == 200)
        let deactivated = try host.berth.admin.send("POST", "/api/v1/addons/greeter/deactivate")
        #expect(deactivated.json["state"] as? String == "inactive")
        #expect(try client.send("GET", "/api/v1/greet/ada").status == 404)
        #expect(try host.berth.admin.send("POST", "/api/v1/addons/greeter/deactivate").errorCode == "already_inactive")
        #expect(try host.berth.admin.send("POST", "/api/v1/addons/greeter/activate").status == 200)
        #expect(try client.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 2)
    }

    @Test func configurationIsValidatedRedactedAndSeenByTheAddon() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let installed = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter", config: ["webhookSecret": "s3cret-value"])
        #expect((installed.json["configuration"] as? [String: Any])?["webhookSecret"] as? String == "[redacted]")
        #expect(!installed.text.contains("s3cret-value"))

        let invalid = try host.berth.admin.sendJSON("PATCH", "/api/v1/addons/greeter/config", ["greeting": "", "punctuation": ";", "colour": "red"])
        #expect(invalid.status == 422)
        let violations = ((invalid.json["error"] as? [String: Any])?["violations"] as? [[String: Any]]) ?? []
        #expect(Set(violations.compactMap { $0["pointer"] as? String }) == ["/greeting", "/punctuation", "/colour"])

        let changed = try host.berth.admin.sendJSON("PATCH", "/api/v1/addons/greeter/config", ["greeting": "Ahoy"])
        #expect(changed.status == 200, "\(changed.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").text == "Ahoy!")
        let shown = try host.berth.admin.send("GET", "/api/v1/addons/greeter/config")
        #expect(!shown.text.contains("s3cret-value"))
        let log = (try? String(contentsOfFile: host.berth.logFile, encoding: .utf8)) ?? ""
        #expect(!log.contains("s3cret-value"))
        // The greeter logged its configuration change to its own log: no secret there either.
        let addonLog = (try? String(contentsOfFile: host.home + "/.berth/logs/greeter.log", encoding: .utf8)) ?? ""
        #expect(addonLog.contains("greeting is now Ahoy"))
        #expect(!addonLog.contains("s3cret-value"))
    }
}
