import BerthStorage
import Foundation
import Testing

/// Migrations apply in order, each atomically, and a failure reverts everything this run applied.
struct MigrationRunnerTests {
    let folder = NSTemporaryDirectory() + "berth-migrations-\(UUID().uuidString.prefix(8))"

    func runner() throws -> MigrationRunner {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return MigrationRunner(database: try SQLiteConnection(path: folder + "/addon.sqlite"))
    }

    let sessions = Migration(id: "0001_sessions", up: "CREATE TABLE sessions (id INTEGER PRIMARY KEY);", down: "DROP TABLE sessions;")
    let messages = Migration(id: "0002_messages", up: "CREATE TABLE messages (id INTEGER PRIMARY KEY, session INTEGER REFERENCES sessions(id)); CREATE INDEX m ON messages(session);", down: "DROP INDEX m; DROP TABLE messages;")

    @Test func upThenDownLeavesAnEmptySchema() throws {
        let runner = try runner()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try runner.applyAll([sessions, messages]) == ["0001_sessions", "0002_messages"])
        #expect(try runner.userObjects() == ["index m", "table messages", "table sessions"])
        #expect(try runner.revertAll([sessions, messages]) == ["0002_messages", "0001_sessions"])
        #expect(try runner.userObjects().isEmpty)
    }

    @Test func aFailingMigrationRollsBackItselfAndEveryEarlierOne() throws {
        let runner = try runner()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let broken = Migration(id: "0003_broken", up: "CREATE TABLE half (x); SELECT * FROM no_such_table;", down: "DROP TABLE half;")
        let error = try #require(throws: MigrationError.self) { try runner.applyAll([sessions, messages, broken]) }
        #expect(error.code == "migration_failed")
        #expect(error.migrationID == "0003_broken")
        #expect(error.message.contains("no_such_table"))
        #expect(try runner.userObjects().isEmpty)
    }

    @Test func idsOutOfOrderAreRefusedBeforeAnythingRuns() throws {
        let runner = try runner()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: MigrationError.self) { try runner.applyAll([messages, sessions]) }
        #expect(error.code == "migration_out_of_order")
        #expect(try runner.userObjects().isEmpty)
    }
}
