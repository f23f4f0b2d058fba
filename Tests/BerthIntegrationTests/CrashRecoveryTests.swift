import BerthTestSupport
import Foundation
import Testing

/// SIGKILL at every step of install, upgrade and uninstall, and during the registry write: after a
/// restart the home is fully in the old state or fully in the new one, with nothing left over.
struct CrashRecoveryTests {
    enum Operation: String, Sendable { case install, upgrade, uninstall }

    struct Case: Sendable, CustomTestStringConvertible {
        let operation: Operation
        let fault: String
        /// Killed after the registry recorded the change: recovery completes it.
        var committed = false
        var testDescription: String { "\(operation.rawValue) killed at \(fault)" }
    }

    static let cases: [Case] =
        ["install.stage", "install.probe", "install.namespace", "install.migrate", "install.load", "install.start", "install.mount", "install.commit", "registry.rename"]
            .map { Case(operation: .install, fault: $0) }
        + [Case(operation: .install, fault: "install.committed", committed: true)]
        + ["upgrade.stage", "upgrade.probe", "upgrade.migrate", "upgrade.load", "upgrade.start", "upgrade.swap", "upgrade.commit", "registry.rename"]
            .map { Case(operation: .upgrade, fault: $0) }
        + [Case(operation: .upgrade, fault: "upgrade.committed", committed: true)]
        + ["uninstall.unmount", "uninstall.stop", "uninstall.unserve", "uninstall.migrate_down", "uninstall.remove", "uninstall.commit", "registry.rename", "uninstall.committed"]
            .map { Case(operation: .uninstall, fault: $0) }

    @Test(arguments: cases)
    func aCrashAtAnyStepEndsFullyInTheOldOrTheNewState(_ testCase: Case) throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let migrations = PackageFactory.notesMigrations
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(migrations.prefix(1)))).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.1.0", migrations: Array(migrations.prefix(2)))).status == 201)
        if testCase.operation != .install {
            #expect(try host.install("notes", version: "1.0.0").status == 201)
            #expect(try host.berth.anonymous.send("POST", "/api/v1/notes/items", body: Array("kept".utf8)).status == 201)
        }

        host.berth.stop()
        host.berth.environment["BERTH_FAULT_AT"] = testCase.fault
        try host.berth.start()
        let reply: HTTPTestClient.Reply?
        switch testCase.operation {
        case .install: reply = try? host.install("notes", version: "1.0.0")
        case .upgrade: reply = try? host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.1.0"])
        case .uninstall: reply = try? host.uninstall("notes")
        }
        #expect(host.berth.waitForExit(), "the fault at \(testCase.fault) did not fire; reply: \(reply?.text ?? "none")")

        host.berth.environment["BERTH_FAULT_AT"] = nil
        try host.berth.start()
        let state = try HomeState.read(host) { HomeState.sqliteTraces(host) }
        switch testCase.operation {
        case .install where testCase.committed:
            #expect(state == .installed(version: "1.0.0", ledger: ["0001_items"], items: ""), "\(state)")
        case .install:
            #expect(state == .absent, "\(state)")
        case .upgrade where testCase.committed:
            #expect(state == .installed(version: "1.1.0", ledger: ["0001_items", "0002_tags"], items: "kept"), "\(state)")
        case .upgrade:
            #expect(state == .installed(version: "1.0.0", ledger: ["0001_items"], items: "kept"), "\(state)")
        case .uninstall:
            #expect(state == .absent, "\(state)")
        }
        #expect(try HomeState.leftovers(host) == [])
    }
}

/// What a home holds of one fixture addon, read through the API, the files and the backend.
enum HomeState: Equatable, CustomStringConvertible {
    case absent
    case installed(version: String, ledger: [String], items: String)
    case inconsistent(String)

    var description: String {
        switch self {
        case .absent: "absent"
        case .installed(let version, let ledger, let items): "installed \(version), ledger \(ledger), items \(items)"
        case .inconsistent(let why): "inconsistent: \(why)"
        }
    }

    /// Reads the state of addon `id`. `traces` lists what the backend still holds of it; `ledger`
    /// reads its applied migrations from the backend itself (nil: trust the registry's record).
    static func read(
        _ host: IntegrationHost, id: String = "notes",
        traces: () throws -> [String], ledger: (() throws -> [String])? = nil
    ) throws -> HomeState {
        let info = try host.berth.admin.send("GET", "/api/v1/addons/\(id)")
        let route = try host.berth.anonymous.send("GET", "/api/v1/\(id)/version")
        if info.status == 404 {
            let left = try traces()
            if !left.isEmpty { return .inconsistent("not installed but the backend holds \(left)") }
            if route.status != 404 { return .inconsistent("not installed but its route answers \(route.status)") }
            if FileManager.default.fileExists(atPath: host.home + "/.berth/addons/\(id)") { return .inconsistent("not installed but its files remain") }
            return .absent
        }
        guard info.json["loaded"] as? Bool == true else { return .inconsistent("installed but not loaded: \(info.text)") }
        let recorded = info.json["migrations"] as? [String] ?? []
        let applied = try ledger?() ?? recorded
        guard applied == recorded else { return .inconsistent("the registry records \(recorded) but the ledger holds \(applied)") }
        let items = try host.berth.anonymous.send("GET", "/api/v1/\(id)/items").text
        return .installed(version: route.text, ledger: applied, items: items)
    }

    /// What SQLite still holds of `notes`: its database file.
    static func sqliteTraces(_ host: IntegrationHost) -> [String] {
        let database = host.home + "/.berth/data/notes.sqlite"
        return FileManager.default.fileExists(atPath: database) ? [database] : []
    }

    /// Debris of interrupted operations: journal, staging, install folders other than the registry's.
    static func leftovers(_ host: IntegrationHost) throws -> [String] {
        var found: [String] = []
        let state = host.home + "/.berth"
        if FileManager.default.fileExists(atPath: state + "/journal.json") { found.append("journal.json") }
        found += ((try? FileManager.default.contentsOfDirectory(atPath: state + "/staging")) ?? []).map { "staging/\($0)" }
        let registry = (try? String(contentsOfFile: host.home + "/addon_registry.json", encoding: .utf8)) ?? ""
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: state + "/addons/notes")) ?? [] where !registry.contains(folder) {
            found.append("addons/notes/\(folder)")
        }
        return found
    }
}
