import BerthStorage
import BerthTestSupport
import Foundation
import Testing

/// Undo steps that fail: a down-migration failing half-way through an uninstall is put back (the
/// downs already run are applied again); when even that fails, the change is kept as unfinished,
/// blocks further changes of the addon with an error saying what is left, and is retried, before
/// the next change and at start, until it succeeds.
struct FallibleUndoTests {
    /// 0001's down refuses to drop `items` while it holds rows (the scratch check has none).
    static let itemsRefusingDown = (
        id: "0001_items", up: "CREATE TABLE items (name TEXT PRIMARY KEY);",
        down: "CREATE TABLE empty_check (n INTEGER CHECK (n = 0)); INSERT INTO empty_check SELECT count(*) FROM items; DROP TABLE empty_check; DROP TABLE items;"
    )
    /// 0002's up refuses to run while `items` holds a row named `poison`.
    static let tagsRefusingPoison = (
        id: "0002_tags",
        up: "CREATE TABLE tags (name TEXT PRIMARY KEY); CREATE TABLE poison_check (n INTEGER CHECK (n = 0)); INSERT INTO poison_check SELECT count(*) FROM items WHERE name = 'poison'; DROP TABLE poison_check;",
        down: "DROP TABLE tags;"
    )

    func ledger(_ host: IntegrationHost) throws -> [String] {
        let connection = try SQLiteConnection(path: host.home + "/.berth/data/notes.sqlite")
        return try connection.query("SELECT id FROM berth_migrations ORDER BY id").compactMap { $0.values.first?.text }
    }

    @Test func aDownMigrationFailingHalfWayThroughAnUninstallIsPutBackWithTheDownsAlreadyRun() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: [Self.itemsRefusingDown, Self.tagsRefusingPoison]), id: "notes").status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("kept".utf8)).status == 201)

        let removed = try host.uninstall("notes")
        #expect(removed.status == 409, "\(removed.text)")
        #expect(removed.errorMessage?.contains("0001_items") == true, "\(removed.text)")
        #expect(removed.errorMessage?.contains("serving again") == true)
        // 0002's down had run: it is applied again, so the ledger and the schema are as before.
        #expect(try ledger(host) == ["0001_items", "0002_tags"])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "kept")
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/notes").json["migrations"] as? [String] == ["0001_items", "0002_tags"])
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/journal.json"))
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/unfinished/notes.json"))
    }

    @Test func aChangeThatCouldNotBeUndoneBlocksTheAddonSaysWhatIsLeftAndIsRetriedUntilItSucceeds() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: [Self.itemsRefusingDown, Self.tagsRefusingPoison]), id: "notes").status == 201)
        for name in ["kept", "poison"] {
            #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array(name.utf8)).status == 201)
        }

        // 0002's down runs, 0001's fails, and 0002's up cannot run again: the uninstall is stuck.
        let removed = try host.uninstall("notes")
        #expect(removed.status == 409, "\(removed.text)")
        #expect(removed.errorCode == "unfinished_change", "\(removed.text)")
        #expect(removed.errorMessage?.contains("0002_tags") == true, "\(removed.text)")
        #expect(try ledger(host) == ["0001_items"])
        #expect(FileManager.default.fileExists(atPath: host.home + "/.berth/unfinished/notes.json"))

        // Every further change of notes is refused the same way, after retrying the undo; at start too.
        for attempt in [{ try host.uninstall("notes") }, { try host.berth.admin.send("POST", "/api/v1/addons/notes/deactivate") }] {
            let refused = try attempt()
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.errorCode == "unfinished_change", "\(refused.text)")
        }
        host.berth.stop()
        try host.berth.start()
        let summary = try host.berth.admin.send("GET", "/api/v1/addons/notes").json
        #expect((summary["failure"] as? String)?.contains("could not be fully undone") == true, "\(summary)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").status == 404)

        // Once the cause is gone, the next change first finishes the undo: notes serves again with
        // both migrations, and this uninstall stops at 0001 as the first test's does.
        let connection = try SQLiteConnection(path: host.home + "/.berth/data/notes.sqlite")
        _ = try connection.execute("DELETE FROM items WHERE name = 'poison'")
        connection.close()
        let retried = try host.uninstall("notes")
        #expect(retried.status == 409, "\(retried.text)")
        #expect(retried.errorMessage?.contains("serving again") == true, "\(retried.text)")
        #expect(try ledger(host) == ["0001_items", "0002_tags"])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/items").text == "kept")
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/unfinished/notes.json"))
        let history = try host.berth.admin.send("GET", "/api/v1/addons/notes/events").text
        #expect(history.contains("recovered"), "\(history)")
    }
}
