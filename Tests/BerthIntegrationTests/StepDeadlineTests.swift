import BerthTestSupport
import Foundation
import Testing

/// Every step an addon controls has a deadline: a migration check, a migration or a `start()`
/// that never ends fails the change with a 504 naming the step; the scratch database of the check
/// is bounded in size too. After each, the home's lock is free, nothing of the addon is left, and
/// the next change goes through.
struct StepDeadlineTests {
    /// Counts for ever on any database.
    static let endless = (id: "0001_endless", up: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;", down: "SELECT 1;")
    /// Counts for ever only outside the scratch database of the check.
    static let endlessOutsideScratch = (
        id: "0001_endless",
        up: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE (SELECT file FROM pragma_database_list WHERE name = 'main') NOT LIKE '%scratch%') SELECT count(*) FROM c;",
        down: "SELECT 1;"
    )
    /// Grows without bound.
    static let growing = (id: "0001_growing", up: "CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT randomblob(4096) AS b FROM c;", down: "DROP TABLE big;")

    /// What an interrupted install must not leave: scratch databases, the journal, the addon's files.
    func leftovers(_ host: IntegrationHost, id: String) -> [String] {
        let state = host.home + "/.berth"
        var found = ((try? FileManager.default.contentsOfDirectory(atPath: state + "/data")) ?? []).filter { $0.contains("scratch") || $0.hasPrefix(id) }
        if FileManager.default.fileExists(atPath: state + "/journal.json") { found.append("journal.json") }
        if FileManager.default.fileExists(atPath: state + "/addons/\(id)") { found.append("addons/\(id)") }
        return found
    }

    /// After a refused change: the lock is free, so another install goes through at once.
    func expectTheHomeIsFree(_ host: IntegrationHost) throws {
        let next = try host.uploadAndInstall(try host.packages.fixture(id: "notes", version: "1.0.0"), id: "notes")
        #expect(next.status == 201, "\(next.text)")
    }

    @Test(arguments: [("check", StepDeadlineTests.endless, "migration_check_timeout"), ("migrations", StepDeadlineTests.endlessOutsideScratch, "migrations_timeout")])
    func aMigrationThatNeverEndsFailsTheInstallAtItsDeadline(_ step: String, _ migration: (id: String, up: String, down: String), _ code: String) throws {
        let host = try IntegrationHost(environment: ["BERTH_MIGRATION_TIMEOUT": "1"])
        defer { host.close() }
        #expect(try host.upload(try host.packages.fixture(id: "endless", version: "1.0.0", migrations: [migration])).status == 201)
        let installed = try host.install("endless")
        #expect(installed.status == 504, "\(step): \(installed.text)")
        #expect(installed.errorCode == code, "\(installed.text)")
        #expect(installed.errorMessage?.contains("endless") == true)
        #expect(leftovers(host, id: "endless") == [])
        try expectTheHomeIsFree(host)
    }

    @Test func anUpgradeWhoseMigrationNeverEndsFailsAtItsDeadlineAndTheOldVersionKeepsServing() throws {
        let host = try IntegrationHost(environment: ["BERTH_MIGRATION_TIMEOUT": "1"])
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.fixture(id: "endless", version: "1.0.0"), id: "endless").status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "endless", version: "2.0.0", migrations: [Self.endlessOutsideScratch])).status == 201)
        let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/endless/upgrade", ["version": "2.0.0"])
        #expect(upgraded.status == 504, "\(upgraded.text)")
        #expect(upgraded.errorCode == "migrations_timeout", "\(upgraded.text)")
        try expectTheOldVersionServes(host, "1.0.0")
    }

    @Test func aDowngradeWhoseDownMigrationNeverEndsFailsAtItsDeadlineAndTheNewerVersionKeepsServing() throws {
        let host = try IntegrationHost(environment: ["BERTH_MIGRATION_TIMEOUT": "1"])
        defer { host.close() }
        // The down script counts for ever only in the addon's own database: the install's check
        // (in a scratch database) passes, the downgrade's revert never ends.
        let table = (id: "0001_items", up: "CREATE TABLE items (name TEXT PRIMARY KEY);", down: Self.endlessOutsideScratch.up + " DROP TABLE items;")
        #expect(try host.uploadAndInstall(try host.packages.fixture(id: "endless", version: "2.0.0", migrations: [table]), id: "endless").status == 201)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/endless/items", body: Array("kept".utf8)).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "endless", version: "1.0.0")).status == 201)
        let downgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/endless/upgrade", ["version": "1.0.0", "force": true])
        #expect(downgraded.status == 504, "\(downgraded.text)")
        #expect(downgraded.errorCode == "migrations_timeout", "\(downgraded.text)")
        try expectTheOldVersionServes(host, "2.0.0")
        // The revert ran in a transaction that the deadline rolled back: the table and its rows stay.
        #expect(try host.berth.anonymous.send("GET", "/api/v1/endless/items").text == "kept")
    }

    /// After a refused upgrade: the installed version still serves, no journal or scratch is left,
    /// and the home's lock is free.
    func expectTheOldVersionServes(_ host: IntegrationHost, _ version: String) throws {
        #expect(try host.berth.anonymous.send("GET", "/api/v1/endless/version").text == version)
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/endless").json["version"] as? String == version)
        #expect(leftovers(host, id: "endless").filter { $0 != "addons/endless" && !$0.hasPrefix("endless") } == [])
        try expectTheHomeIsFree(host)
    }

    @Test func aMigrationCheckThatGrowsWithoutBoundIsStoppedAtTheScratchSizeLimit() throws {
        let host = try IntegrationHost(environment: ["BERTH_SCRATCH_MAX_MB": "4"])
        defer { host.close() }
        #expect(try host.upload(try host.packages.fixture(id: "growing", version: "1.0.0", migrations: [Self.growing])).status == 201)
        let installed = try host.install("growing")
        #expect(installed.status == 422, "\(installed.text)")
        #expect(installed.errorMessage?.contains("BERTH_SCRATCH_MAX_MB=4") == true, "\(installed.text)")
        #expect(leftovers(host, id: "growing") == [])
        try expectTheHomeIsFree(host)
    }

    @Test func aStartThatNeverReturnsFailsTheInstallAtItsDeadline() throws {
        let host = try IntegrationHost(environment: ["BERTH_START_TIMEOUT": "1"])
        defer { host.close() }
        let slow = try host.packages.fixture(id: "slowpoke", version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1))) { manifest in
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "startDelayMilliseconds": .object(["type": .string("integer"), "default": .number(600_000)]),
            ])])
        }
        #expect(try host.upload(slow).status == 201)
        let installed = try host.install("slowpoke")
        #expect(installed.status == 504, "\(installed.text)")
        #expect(installed.errorCode == "start_timeout", "\(installed.text)")
        #expect(leftovers(host, id: "slowpoke") == [])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/slowpoke/version").status == 404)
        try expectTheHomeIsFree(host)
    }

    @Test func anEventHandlerThatNeverReturnsDoesNotHoldUpTheChangeThatPublishedTheEvent() throws {
        let host = try IntegrationHost(environment: ["BERTH_EVENT_TIMEOUT": "1"])
        defer { host.close() }
        let listener = try host.packages.fixture(id: "listener", version: "1.0.0") { manifest in
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "hangOnEvents": .object(["type": .string("string"), "default": .string("berth.addon.*")]),
            ])])
        }
        #expect(try host.uploadAndInstall(listener, id: "listener").status == 201)
        // The install publishes `installed` and `activated` to the hanging handler: each waits its
        // deadline, then the answer goes out.
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0")).status == 201)
        let installed = try host.berth.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "notes"])
        #expect(installed.status == 201, "\(installed.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/version").text == "1.0.0")
    }

    @Test func anUndoneUpgradeRevertsItsMigrationsOnlyAfterTheRequestsTheNewVersionTookHaveFinished() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_ROLL_TIMEOUT": "2", "BERTH_START_TIMEOUT": "120"])
        defer { host.close() }
        // 1.0.0 has no notes route (404). 2.0.0 brings the notes table and a route that waits 3 s
        // before it writes to it; every start of 2.0.0 takes 4 s, so the generation carrying it is
        // not ready within the 2 s roll, while the worker that ran the upgrade already serves it.
        try host.uploadAndInstall(try host.packages.fixture(id: "slowpoke", version: "1.0.0"), id: "slowpoke")
        let notes = [(id: "0001_notes", up: "CREATE TABLE notes (title TEXT NOT NULL);", down: "DROP TABLE notes;")]
        let second = try host.packages.fixture(id: "slowpoke", version: "2.0.0", migrations: notes, product: "FixtureSQLAddon") { manifest in
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "startDelayMilliseconds": .object(["type": .string("integer"), "default": .number(4000)]),
            ])])
        }
        #expect(try upload(second, to: host) == 201)
        let load = StatusLoad(port: host.berth.port, requests: Array(repeating: (method: "POST", path: "/api/v1/slowpoke/tx/notes?wait=3000"), count: 4))
        let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/slowpoke/upgrade", ["version": "2.0.0"])
        let counts = load.stop()
        #expect(upgraded.status == 504, "\(upgraded.text)")
        #expect(upgraded.errorCode == "roll_timeout")
        // A request 2.0.0 took wrote to its table: the undo reverted the migration after it, not
        // under it (which answered 422 or 500: the table or the connection gone mid-request).
        #expect(counts.created > 0, "no request reached 2.0.0 while the upgrading worker served it: \(counts.byStatus)")
        #expect(counts.unexpected == [], "\(counts.unexpected)")
        #expect(try host.admin.send("GET", "/api/v1/addons/slowpoke").json["version"] as? String == "1.0.0")
        #expect(!FileManager.default.fileExists(atPath: host.folder.appending("home") + "/.berth/journal.json"))
        // The new build's serving lock went with the undo.
        let serving = (try? FileManager.default.contentsOfDirectory(atPath: host.folder.appending("home") + "/.berth/serving")) ?? []
        #expect(!serving.contains { $0.hasPrefix("slowpoke@2.0.0-") }, "\(serving)")
    }

    /// slowpoke `version` whose every start takes `delay` milliseconds.
    func slowpoke(_ host: SupervisedHost, version: String, delay: Int) throws -> String {
        try host.packages.fixture(id: "slowpoke", version: version) { manifest in
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "startDelayMilliseconds": .object(["type": .string("integer"), "default": .number(Double(delay))]),
            ])])
        }
    }

    func upload(_ archive: String, to host: SupervisedHost) throws -> Int {
        try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: archive)))).status
    }

    @Test func anInstallWhoseGenerationNeverBecomesReadyIsUndoneEverywhere() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_ROLL_TIMEOUT": "2", "BERTH_START_TIMEOUT": "120"])
        defer { host.close() }
        // Every new worker's start of this addon takes 8 s: the generation after the install is not
        // ready within the 2 s the install waits for it.
        #expect(try upload(try slowpoke(host, version: "1.0.0", delay: 8000), to: host) == 201)
        let installed = try host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "slowpoke"])
        #expect(installed.status == 504, "\(installed.text)")
        #expect(installed.errorCode == "roll_timeout")
        #expect(installed.errorMessage?.contains("install of slowpoke failed at step roll and was undone") == true, "\(installed.text)")
        // Undone: not in the registry, served by no worker, no files, no journal, no data.
        #expect(try host.admin.send("GET", "/api/v1/addons/slowpoke").status == 404)
        let home = host.folder.appending("home")
        #expect(!FileManager.default.fileExists(atPath: home + "/.berth/addons/slowpoke"))
        #expect(!FileManager.default.fileExists(atPath: home + "/.berth/journal.json"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: home + "/.berth/data")) ?? []).filter { $0.hasPrefix("slowpoke") } == [])
        for _ in 0 ..< 8 {
            #expect(try host.anonymous.send("GET", "/api/v1/slowpoke/version").status == 404)
        }
        // The lock is free: the next change goes through and its generation serves.
        try host.uploadAndInstall(try host.packages.fixture(id: "notes", version: "1.0.0"), id: "notes")
        #expect(try host.anonymous.send("GET", "/api/v1/notes/version").text == "1.0.0")
    }

    @Test func anUpgradeWhoseGenerationNeverBecomesReadyLeavesThePreviousVersionServing() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_ROLL_TIMEOUT": "2", "BERTH_START_TIMEOUT": "120"])
        defer { host.close() }
        // 1.0.0 has no start delay setting, so 2.0.0's default (8 s) applies after the upgrade.
        try host.uploadAndInstall(try host.packages.fixture(id: "slowpoke", version: "1.0.0"), id: "slowpoke")
        #expect(try upload(try slowpoke(host, version: "2.0.0", delay: 8000), to: host) == 201)
        let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/slowpoke/upgrade", ["version": "2.0.0"])
        #expect(upgraded.status == 504, "\(upgraded.text)")
        #expect(upgraded.errorCode == "roll_timeout")
        #expect(upgraded.errorMessage?.contains("upgrade of slowpoke failed at step roll and was undone") == true, "\(upgraded.text)")
        #expect(try host.admin.send("GET", "/api/v1/addons/slowpoke").json["version"] as? String == "1.0.0")
        for _ in 0 ..< 8 {
            #expect(try host.anonymous.send("GET", "/api/v1/slowpoke/version").text == "1.0.0")
        }
        #expect(!FileManager.default.fileExists(atPath: host.folder.appending("home") + "/.berth/journal.json"))
    }
}
