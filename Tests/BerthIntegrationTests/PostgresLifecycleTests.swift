import BerthTestSupport
import Foundation
import Testing

/// The lifecycle tests of the SQLite host, against a host whose addon data lives in PostgreSQL
/// (`BERTH_DATABASE_URL`), each test on a database of its own: install → use → restart →
/// uninstall with no residue in the catalogs, upgrades, failing migrations, and crashes.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresLifecycleTests {
    /// A host on a fresh database; both are removed afterwards.
    func withPostgresHost(_ body: (IntegrationHost, PostgresTestDatabase) throws -> Void) throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        try body(host, database)
    }

    @Test func anExampleAddonIsInstalledServedAcrossARestartAndUninstalledWithoutResidueOnPostgres() throws {
        try withPostgresHost { host, database in
            let archive = try host.packages.packExample("ai_chatbot", product: "AIChatbot")
            #expect(try host.upload(archive).status == 201)
            let installed = try host.install("ai_chatbot")
            #expect(installed.status == 201, "\(installed.text)")
            #expect(installed.json["migrations"] as? [String] == ["0001_create_sessions", "0002_create_messages", "0003_add_session_owner"])

            let client = host.berth.anonymous
            let session = try client.sendJSON("POST", "/api/v1/chat/sessions", ["title": "support"])
            #expect(session.status == 201, "\(session.text)")
            let message = try client.sendJSON("POST", "/api/v1/chat/sessions/1/messages", ["content": "hello berth"])
            #expect(message.status == 201, "\(message.text)")
            #expect(try database.query("SELECT count(*) FROM addon_ai_chatbot.chat_messages") == ["2"])
            #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/data/ai_chatbot.sqlite"))

            host.berth.stop()
            try host.berth.start()
            let afterRestart = try client.send("GET", "/api/v1/chat/sessions/1")
            #expect(afterRestart.status == 200, "\(afterRestart.text)")
            #expect((afterRestart.json["messages"] as? [[String: Any]])?.count == 2)

            let uninstalled = try host.uninstall("ai_chatbot")
            #expect(uninstalled.status == 200, "\(uninstalled.text)")
            #expect(uninstalled.json["residue"] as? [String] == [])
            #expect((uninstalled.json["removed"] as? [String: Any])?["migrationsReverted"] as? [String] == ["0003_add_session_owner", "0002_create_messages", "0001_create_sessions"])
            #expect(try client.send("GET", "/api/v1/chat/sessions").status == 404)
            #expect(try database.traces(of: "ai_chatbot") == [])
            #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/addons/ai_chatbot"))
            #expect(try host.berth.admin.send("GET", "/api/v1/addons/ai_chatbot").status == 404)
        }
    }

    @Test func theGreeterCountsItsGreetingsInPostgresAndCanBeInstalledAgain() throws {
        try withPostgresHost { host, database in
            _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
            let client = host.berth.anonymous
            #expect(try client.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 1)
            #expect(try client.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 2)
            #expect(try database.query("SELECT name, count FROM addon_greeter.greetings") == ["ada|2"])
            #expect(try host.uninstall("greeter").json["residue"] as? [String] == [])
            #expect(try database.traces(of: "greeter") == [])
            #expect(try host.install("greeter").status == 201)
            #expect(try client.send("GET", "/api/v1/greet/ada").json["count"] as? Int == 1, "a fresh schema: the count starts again")
            #expect(try host.uninstall("greeter").status == 200)
            #expect(try database.traces(of: "greeter") == [])
        }
    }

    @Test func anUpgradeKeepsTheDataAndRunsOnlyTheNewMigrations() throws {
        try withPostgresHost { host, database in
            let id = database.id("notes")
            let migrations = PackageFactory.notesMigrations
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.0.0", migrations: Array(migrations.prefix(1)), dialects: ["sqlite", "postgres"])).status == 201)
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.1.0", migrations: Array(migrations.prefix(3)), dialects: ["sqlite", "postgres"])).status == 201)
            #expect(try host.install(id, version: "1.0.0").status == 201)
            let client = host.berth.anonymous
            #expect(try client.send("POST", "/api/v1/\(id)/items", body: Array("kept".utf8)).status == 201)

            let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/\(id)/upgrade", ["version": "1.1.0"])
            #expect(upgraded.status == 200, "\(upgraded.text)")
            #expect(upgraded.json["migrations"] as? [String] == ["+0002_tags", "+0003_labels"])
            #expect(try client.send("GET", "/api/v1/\(id)/version").text == "1.1.0")
            #expect(try client.send("GET", "/api/v1/\(id)/items").text == "kept")
            #expect(try database.ledger(of: id) == ["0001_items", "0002_tags", "0003_labels"])

            let uninstalled = try host.uninstall(id)
            #expect(uninstalled.json["residue"] as? [String] == [], "\(uninstalled.text)")
            #expect(try database.traces(of: id) == [])
        }
    }

    /// Passes on the scratch schema of the up → down → up check, fails on the addon's own: so the
    /// failure happens in the real migration run, after 0001 applied.
    static let failsOutsideScratch = (
        id: "0009_fails", up: "DO $$ BEGIN IF current_schema() NOT LIKE 'addon\\_scratch\\_%' THEN RAISE EXCEPTION 'refused outside the scratch schema'; END IF; END $$;",
        down: "SELECT 1;"
    )

    @Test func aMigrationFailingAtInstallIsRolledBackWithTheSchemaAndTheRoles() throws {
        try withPostgresHost { host, database in
            let id = database.id("broken")
            let migrations = [PackageFactory.notesMigrations[0], Self.failsOutsideScratch]
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.0.0", migrations: migrations, dialects: ["postgres"])).status == 201)
            let installed = try host.install(id)
            #expect(installed.status == 422, "\(installed.text)")
            #expect(installed.errorCode == "migration_failed")
            #expect(installed.errorMessage?.contains("0009_fails") == true)
            #expect(try database.traces(of: id) == [])
            #expect(try database.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'addon\\_scratch\\_%'") == [])
            #expect(try host.berth.anonymous.send("GET", "/api/v1/\(id)/version").status == 404)
            #expect(try host.berth.admin.send("GET", "/api/v1/addons/\(id)").status == 404)
        }
    }

    @Test func aMigrationFailingAtUpgradeLeavesTheOldVersionServingWithItsData() throws {
        try withPostgresHost { host, database in
            let id = database.id("notes")
            let first = PackageFactory.notesMigrations[0]
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.0.0", migrations: [first], dialects: ["postgres"])).status == 201)
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.1.0", migrations: [first, PackageFactory.notesMigrations[1], Self.failsOutsideScratch], dialects: ["postgres"])).status == 201)
            #expect(try host.install(id, version: "1.0.0").status == 201)
            let client = host.berth.anonymous
            #expect(try client.send("POST", "/api/v1/\(id)/items", body: Array("kept".utf8)).status == 201)

            let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/\(id)/upgrade", ["version": "1.1.0"])
            #expect(upgraded.status == 422, "\(upgraded.text)")
            #expect(upgraded.errorCode == "migration_failed")
            #expect(try client.send("GET", "/api/v1/\(id)/version").text == "1.0.0")
            #expect(try client.send("GET", "/api/v1/\(id)/items").text == "kept")
            #expect(try database.ledger(of: id) == ["0001_items"])
            #expect(try database.query("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'addon_\(id)' AND relkind = 'r' ORDER BY 1") == ["berth_migrations", "items"])
        }
    }

    @Test func aPackageWithoutPostgresMigrationsIsRefusedNamingTheDialects() throws {
        try withPostgresHost { host, database in
            let id = database.id("lite")
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1)))).status == 201)
            let installed = try host.install(id)
            #expect(installed.status == 422, "\(installed.text)")
            #expect(installed.errorCode == "missing_dialect")
            #expect(installed.errorMessage?.contains("sqlite") == true)
            #expect(installed.errorMessage?.contains("postgres") == true)
            #expect(try database.traces(of: id) == [])
            #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/addons/\(id)"))
        }
    }

    enum Operation: String, Sendable { case install, upgrade, uninstall }

    struct Case: Sendable, CustomTestStringConvertible {
        let operation: Operation
        let fault: String
        var testDescription: String { "\(operation.rawValue) killed at \(fault)" }
    }

    static let crashes: [Case] = [
        Case(operation: .install, fault: "install.namespace"), Case(operation: .install, fault: "install.migrate"),
        Case(operation: .install, fault: "install.commit"), Case(operation: .upgrade, fault: "upgrade.migrate"),
        Case(operation: .upgrade, fault: "upgrade.swap"), Case(operation: .uninstall, fault: "uninstall.migrate_down"),
        Case(operation: .uninstall, fault: "uninstall.remove"),
    ]

    @Test(arguments: crashes)
    func aCrashAtAKeyStepEndsFullyInTheOldOrTheNewStateOnPostgres(_ testCase: Case) throws {
        try withPostgresHost { host, database in
            let id = database.id("notes")
            let migrations = PackageFactory.notesMigrations
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.0.0", migrations: Array(migrations.prefix(1)), dialects: ["postgres"])).status == 201)
            #expect(try host.upload(try host.packages.fixture(id: id, version: "1.1.0", migrations: Array(migrations.prefix(2)), dialects: ["postgres"])).status == 201)
            if testCase.operation != .install {
                #expect(try host.install(id, version: "1.0.0").status == 201)
                #expect(try host.berth.anonymous.send("POST", "/api/v1/\(id)/items", body: Array("kept".utf8)).status == 201)
            }

            host.berth.stop()
            host.berth.environment["BERTH_FAULT_AT"] = testCase.fault
            try host.berth.start()
            let reply: HTTPTestClient.Reply?
            switch testCase.operation {
            case .install: reply = try? host.install(id, version: "1.0.0")
            case .upgrade: reply = try? host.berth.admin.sendJSON("POST", "/api/v1/addons/\(id)/upgrade", ["version": "1.1.0"])
            case .uninstall: reply = try? host.uninstall(id)
            }
            #expect(host.berth.waitForExit(), "the fault at \(testCase.fault) did not fire; reply: \(reply?.text ?? "none")")

            host.berth.environment["BERTH_FAULT_AT"] = nil
            try host.berth.start()
            let state = try HomeState.read(host, id: id, traces: { try database.traces(of: id) }, ledger: { try database.ledger(of: id) })
            switch testCase.operation {
            case .install, .uninstall:
                #expect(state == .absent, "\(state)")
            case .upgrade:
                #expect(state == .installed(version: "1.0.0", ledger: ["0001_items"], items: "kept"), "\(state)")
            }
            #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/journal.json"))
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: host.home + "/.berth/staging")) ?? []) == [])
        }
    }
}
