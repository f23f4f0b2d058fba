import BerthStorage
import Foundation
import Testing

/// Migration scripts may not begin, end, split or prepare the transaction the runner gives each
/// migration; the words themselves in strings, comments and trigger bodies are fine.
struct MigrationTransactionControlTests {
    @Test func statementsThatControlTransactionsAreFoundWhereverTheyStart() {
        let refused = [
            "COMMIT": "CREATE TABLE a (x int); COMMIT; CREATE TABLE b (x int)",
            "END": "CREATE TABLE a (x int);\n  end ;",
            "BEGIN": "begin transaction; CREATE TABLE a (x int)",
            "ROLLBACK": "/* first */ -- second\n ROLLBACK",
            "PREPARE TRANSACTION": "CREATE TABLE t (x int); PREPARE TRANSACTION 'x'",
            "SAVEPOINT": "SAVEPOINT s",
            "RELEASE": "SELECT 1; RELEASE s",
            "START": "START TRANSACTION",
            "ABORT": "ABORT",
        ]
        for (statement, script) in refused {
            #expect(MigrationScript(script).transactionControlStatement == statement, "\(script)")
        }
        let fine = [
            "INSERT INTO t VALUES ('BEGIN; COMMIT;'), (E'it\\'s; COMMIT')",
            "CREATE TABLE \"commit\" (x int); -- COMMIT;\n/* ROLLBACK; /* nested */ COMMIT; */ SELECT 1",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$; SELECT $1",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN x > 0 THEN 1 END; DELETE FROM u; END; SELECT 1",
            "PREPARE plan AS SELECT 1",
        ]
        for script in fine {
            #expect(MigrationScript(script).transactionControlStatement == nil, "\(script)")
        }
        #expect(MigrationScript("CREATE TABLE a (x int); ; -- only a comment\n").statements.map(\.text) == ["CREATE TABLE a (x int)"])
    }

    @Test func theRunnerRefusesSuchAMigrationOnSQLiteBeforeRunningAnything() throws {
        let folder = NSTemporaryDirectory() + "berth-migrations-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let runner = MigrationRunner(database: try SQLiteConnection(path: folder + "/addon.sqlite"))
        let first = Migration(id: "0001_a", up: "CREATE TABLE a (x INTEGER);", down: "DROP TABLE a;")
        let split = Migration(id: "0002_split", up: "CREATE TABLE b (x INTEGER); COMMIT; CREATE TABLE c (x INTEGER);", down: "DROP TABLE b;")
        let error = try #require(throws: MigrationError.self) { try runner.applyAll([first, split]) }
        #expect(error.code == "migration_transaction_control")
        #expect(error.migrationID == "0002_split")
        #expect(error.message.contains("COMMIT"))
        #expect(try runner.userObjects().isEmpty, "nothing ran")
    }
}
