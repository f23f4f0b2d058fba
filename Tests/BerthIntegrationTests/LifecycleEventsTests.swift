import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// Every lifecycle transition is recorded in the audit log, published to subscribers, and invalid
/// transitions are refused; one mutation runs at a time.
struct LifecycleEventsTests {
    @Test func everyTransitionIsRecordedInOrderAndSeenBySubscribers() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("ai_chatbot", product: "AIChatbot"), id: "ai_chatbot")
        let notes = PackageFactory.notesMigrations
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(notes.prefix(1)))).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.1.0", migrations: Array(notes.prefix(2)))).status == 201)
        let admin = host.berth.admin
        #expect(try host.install("notes", version: "1.0.0").status == 201)
        #expect(try admin.send("POST", "/api/v1/addons/notes/activate").errorCode == "already_active")
        #expect(try admin.send("POST", "/api/v1/addons/notes/deactivate").status == 200)
        #expect(try admin.send("POST", "/api/v1/addons/notes/activate").status == 200)
        #expect(try admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.1.0"]).status == 200)
        #expect(try host.uninstall("notes").status == 200)

        let history = try admin.send("GET", "/api/v1/addons/notes/events").json["events"] as? [[String: Any]] ?? []
        #expect(history.compactMap { $0["event"] as? String } == ["installed", "activated", "deactivated", "activated", "upgraded", "uninstalled"])
        #expect(history.last?["version"] as? String == "1.1.0")

        let seen = try host.berth.anonymous.send("GET", "/api/v1/chat/stats").json["lifecycleEvents"] as? [String: Int] ?? [:]
        #expect(seen["berth.addon.installed"] == 2, "\(seen)")
        #expect(seen["berth.addon.deactivated"] == 1)
        #expect(seen["berth.addon.upgraded"] == 1)
        #expect(seen["berth.addon.uninstalled"] == 1)
    }

    @Test func aConcurrentMutationIsRefusedWith409NamingTheRunningOne() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let slow = try host.packages.fixture(id: "slowpoke", version: "1.0.0") { manifest in
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "startDelayMilliseconds": .object(["type": .string("integer"), "default": .number(1500)]),
            ])])
        }
        #expect(try host.upload(slow).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0")).status == 201)
        let port = host.berth.port
        let token = host.berth.token
        let firstStatus = Mutex<Int?>(nil)
        let thread = Thread {
            let reply = try? HTTPTestClient(port: port, token: token).sendJSON("POST", "/api/v1/marketplace/install", ["id": "slowpoke"])
            firstStatus.withLock { $0 = reply?.status ?? -1 }
        }
        thread.start()
        // The journal exists while a mutation runs; the slow start keeps it running for 1.5 s.
        try pollUntil("the first install runs", timeout: 5) { FileManager.default.fileExists(atPath: host.home + "/.berth/journal.json") }
        let second = try host.install("notes")
        #expect(second.status == 409)
        #expect(second.errorCode == "operation_in_progress")
        #expect(second.errorMessage?.contains("install slowpoke") == true)
        try pollUntil("the first install answered", timeout: 30) { firstStatus.withLock { $0 } != nil }
        #expect(firstStatus.withLock { $0 } == 201)
        #expect(try host.install("notes").status == 201)
    }
}
