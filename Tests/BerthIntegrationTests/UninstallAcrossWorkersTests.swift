import BerthTestSupport
import Foundation
import Testing

/// Changes of the home with two workers, under load: an uninstall stops every worker serving the
/// addon before its data goes, and an upgrade's migrations never share a connection with the old
/// version's requests. On SQLite and on PostgreSQL.
struct UninstallAcrossWorkersTests {
    enum Database: String, Sendable, CaseIterable { case sqlite, postgres }

    /// Runs `body` with a two-worker host on `database`; PostgreSQL only where the suite's server is.
    func withHost(_ database: Database, _ body: (SupervisedHost, String) throws -> Void) throws {
        var environment: [String: String] = [:]
        var postgres: PostgresTestDatabase?
        if database == .postgres {
            guard PostgresTestDatabase.shouldRun else { return }
            postgres = try PostgresTestDatabase()
            environment["BERTH_DATABASE_URL"] = postgres!.url
        }
        defer { postgres?.drop() }
        let host = try SupervisedHost(workers: 2, environment: environment)
        defer { host.close() }
        try body(host, postgres.map { $0.id("notes") } ?? "notes")
    }

    @Test(arguments: Database.allCases)
    func anUninstallUnderLoadAnswersOnlySuccessUntilNoWorkerServesTheAddonThenNotFound(_ database: Database) throws {
        try withHost(database) { host, id in
            let migrations = Array(PackageFactory.notesMigrations.prefix(1))
            try host.uploadAndInstall(try host.packages.fixture(id: id, version: "1.0.0", migrations: migrations, dialects: [database.rawValue]), id: id)
            #expect(try host.anonymous.send("POST", "/api/v1/\(id)/items", body: Array("first".utf8)).status == 201)

            let load = StatusLoad(port: host.berth.port, requests: [("GET", "/api/v1/\(id)/items"), ("GET", "/api/v1/\(id)/items"), ("POST", "/api/v1/\(id)/items")])
            try load.waitForAnswers(50)
            let removed = try host.admin.send("DELETE", "/api/v1/marketplace/uninstall/\(id)")
            load.markChangeAnswered()
            #expect(removed.status == 200, "\(removed.text)")
            #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
            // The answer comes once no worker serves the addon: from now on every request is a 404.
            let after = try host.anonymous.send("GET", "/api/v1/\(id)/items")
            #expect(after.status == 404)
            let counts = load.stop()
            print("uninstall under load (\(database.rawValue)): \(counts.byStatus)")
            #expect(counts.unexpected == [], "answers other than 2xx before the unmount and 404 after it")
            #expect(counts.servedAfterMark == 0, "a worker still served the addon after the uninstall answered")
            #expect((counts.byStatus[200] ?? 0) + (counts.byStatus[201] ?? 0) > 20)
        }
    }

    @Test(arguments: Database.allCases)
    func anUpgradeUnderLoadLosesNoWriteAndFailsNoRequest(_ database: Database) throws {
        try withHost(database) { host, id in
            let migrations = PackageFactory.notesMigrations
            try host.uploadAndInstall(try host.packages.fixture(id: id, version: "1.0.0", migrations: Array(migrations.prefix(1)), dialects: [database.rawValue]), id: id)
            let next = try host.packages.fixture(id: id, version: "1.1.0", migrations: Array(migrations.prefix(3)), dialects: [database.rawValue])
            #expect(try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: next)))).status == 201)

            let load = StatusLoad(port: host.berth.port, requests: [("POST", "/api/v1/\(id)/items"), ("POST", "/api/v1/\(id)/items"), ("GET", "/api/v1/\(id)/version")])
            try load.waitForAnswers(50)
            let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/\(id)/upgrade", ["version": "1.1.0"])
            #expect(upgraded.status == 200, "\(upgraded.text)")
            try load.waitForAnswers(load.answered + 50)
            let counts = load.stop()
            print("upgrade under load (\(database.rawValue)): \(counts.byStatus)")
            #expect(counts.byStatus.keys.allSatisfy { (200 ..< 300).contains($0) }, "\(counts.failures)")
            // Every write acknowledged with 201 is there.
            let items = try host.anonymous.send("GET", "/api/v1/\(id)/items").text.split(separator: ",")
            #expect(items.count == counts.created, "\(counts.created) writes acknowledged, \(items.count) rows")
        }
    }
}
