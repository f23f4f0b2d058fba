import BerthTestSupport
import Foundation
import Testing

/// `keep_data=true` keeps an addon's database for a later install of the same id; a plain
/// uninstall removes everything.
struct KeepDataTests {
    @Test func keptDataIsReportedReusedByTheNextInstallAndRemovedByAPlainUninstall() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let migrations = Array(PackageFactory.notesMigrations.prefix(1))
        _ = try host.uploadAndInstall(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: migrations), id: "notes")
        #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("remember me".utf8)).status == 201)
        let database = host.home + "/.berth/data/notes.sqlite"

        let kept = try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/notes?keep_data=true")
        #expect(kept.status == 200, "\(kept.text)")
        #expect(kept.json["keptData"] as? String == ".berth/data/notes.sqlite")
        #expect(kept.json["residue"] as? [String] == [])
        #expect((kept.json["removed"] as? [String: Any])?["migrationsReverted"] as? [String] == [])
        #expect(FileManager.default.fileExists(atPath: database))
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").status == 404)

        let reinstalled = try host.install("notes")
        #expect(reinstalled.status == 201, "\(reinstalled.text)")
        #expect(reinstalled.json["reusedData"] as? Bool == true)
        #expect(reinstalled.json["migrations"] as? [String] == [])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "remember me")

        let removed = try host.uninstall("notes")
        #expect(removed.json["residue"] as? [String] == [])
        #expect(!FileManager.default.fileExists(atPath: database))
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/kept/notes.json"))
    }

    @Test func anInvalidFlagIsABadRequest() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let reply = try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/notes?keep_data=maybe")
        #expect(reply.status == 400)
        #expect(reply.errorMessage?.contains("keep_data") == true)
    }
}
