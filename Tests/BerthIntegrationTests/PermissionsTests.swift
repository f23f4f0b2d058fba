import BerthTestSupport
import Foundation
import Testing

/// The context hands an addon only what its manifest's permissions grant; asking for more is a
/// clear error, and the install answer shows what was granted.
struct PermissionsTests {
    func install(_ host: IntegrationHost, _ id: String, permissions: [String]) throws -> HTTPTestClient.Reply {
        let archive = try host.packages.fixture(id: id, version: "1.0.0") { $0.permissions = permissions }
        return try host.uploadAndInstall(archive, id: id)
    }

    @Test func networkAccessReachesOnlyTheGrantedHosts() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let granted = try install(host, "caller", permissions: ["network:127.0.0.1"])
        #expect(granted.json["permissions"] as? [String] == ["network:127.0.0.1"])
        _ = try install(host, "offline", permissions: [])
        let health = "http://127.0.0.1:\(host.berth.port)/health"
        let client = host.berth.anonymous

        let allowed = try client.send("GET", "/api/v1/caller/fetch?url=\(health)")
        #expect(allowed.status == 200, "\(allowed.text)")
        #expect(allowed.text.contains("200 {\"status\":\"ok\"}"))
        let otherHost = try client.send("GET", "/api/v1/caller/fetch?url=http://localhost:\(host.berth.port)/health")
        #expect(otherHost.status == 502)
        #expect(otherHost.text.contains("may not reach localhost"), "\(otherHost.text)")
        let denied = try client.send("GET", "/api/v1/offline/fetch?url=\(health)")
        #expect(denied.text.contains("permission_denied"), "\(denied.text)")
        #expect(denied.text.contains("network"))
    }

    @Test func aScratchFolderIsGivenOnlyWithTheFilesystemPermissionAndRemovedAtUninstall() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try install(host, "writer", permissions: ["filesystem"])
        _ = try install(host, "reader", permissions: [])
        let written = try host.berth.anonymous.send("POST", "/api/v1/writer/scratch", body: Array("hello".utf8))
        #expect(written.status == 201, "\(written.text)")
        let folder = host.home + "/.berth/scratch/writer"
        #expect(written.text == folder)
        #expect(FileManager.default.contents(atPath: folder + "/note.txt") == Data("hello".utf8))
        #expect(try host.berth.anonymous.send("POST", "/api/v1/reader/scratch", body: [1]).text.contains("refused"))
        let removed = try host.uninstall("writer")
        #expect(removed.json["residue"] as? [String] == [])
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func anotherAddonsServiceIsCallableOnlyWhenGranted() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try install(host, "alpha", permissions: [])
        _ = try install(host, "beta", permissions: ["service:alpha.echo"])
        _ = try install(host, "gamma", permissions: [])
        let client = host.berth.anonymous
        let called = try client.send("GET", "/api/v1/beta/call?provider=alpha&name=echo")
        #expect(called.status == 200, "\(called.text)")
        #expect(called.text.contains("alpha"))
        let refused = try client.send("GET", "/api/v1/gamma/call?provider=alpha&name=echo")
        #expect(refused.text.contains("permission_denied"), "\(refused.text)")
        #expect(refused.text.contains("service:alpha.echo"))

        let removed = try host.uninstall("alpha")
        #expect(removed.json["residue"] as? [String] == [])
        let gone = try client.send("GET", "/api/v1/beta/call?provider=alpha&name=echo")
        #expect(gone.text.contains("service_unavailable"), "\(gone.text)")
    }

    @Test func anAddonWithoutTheEventsPermissionIsRefusedAtInstallNamingThePermission() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "ai_chatbot", version: "1.1.0", product: "AIChatbot", mountPrefix: "/api/v1/chat", migrations: [
            ("0001_create_sessions", "CREATE TABLE chat_sessions (id INTEGER PRIMARY KEY, title TEXT NOT NULL, created_at TEXT);", "DROP TABLE chat_sessions;"),
        ]) { $0.permissions = ["database"] }
        #expect(try host.upload(archive).status == 201)
        // The chatbot looks its events bus up in `start`; the lookup throws instead of handing out
        // a bus that silently drops, so the install fails and says what to add.
        let refused = try host.install("ai_chatbot")
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.errorCode == "start_failed")
        #expect(refused.errorMessage?.contains(#"add "events" to the manifest's permissions"#) == true, "\(refused.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/chat/sessions").status == 404)
    }
}
