import BerthStorage
import Foundation
import PluginAPI
import Synchronization
import Testing

/// The SQLite layer on a real database file.
struct SQLiteConnectionTests {
    let folder = NSTemporaryDirectory() + "berth-sqlite-\(UUID().uuidString.prefix(8))"

    func open() throws -> SQLiteConnection {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try SQLiteConnection(path: folder + "/test.sqlite")
    }

    @Test func connectionsOpeningAFreshFileAtTheSameMomentAllSwitchItToTheWriteAheadLog() throws {
        // Workers of one host open the same fresh file together at start; each sees it in rollback
        // mode and asks for WAL, and SQLite answers all but one SQLITE_BUSY without waiting.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for round in 0..<20 {
            let path = folder + "/race-\(round).sqlite"
            let failures = Mutex<[String]>([])
            let modes = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    let connection = try SQLiteConnection(path: path)
                    let mode = try connection.query("PRAGMA journal_mode").first?["journal_mode"]
                    modes.withLock { $0.append(mode.map { "\($0)" } ?? "none") }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [], "round \(round)")
            #expect(modes.withLock { $0.allSatisfy { $0.contains("wal") } }, "round \(round): \(modes.withLock { $0 })")
        }
    }

    @Test func aStatementStartedAfterItsStepsDeadlineIsStoppedWhereAnEarlierInterruptMissesIt() throws {
        let connection = try open()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let counting = { (limit: Int) in "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < \(limit)) SELECT count(*) AS n FROM c" }
        // An interrupt with no statement running reaches none that starts later.
        connection.interrupt()
        #expect(try connection.query(counting(200_000)).first?["n"] == .integer(200_000))
        // A deadline already passed when the statement starts stops it (it would count for minutes).
        let passed = DispatchTime.now().uptimeNanoseconds
        let started = ContinuousClock.now
        let error = try #require(throws: SQLiteError.self) {
            try connection.interruptingStatements(after: passed) { try connection.query(counting(2_000_000_000)) }
        }
        #expect(error.resultCode == 9, "SQLITE_INTERRUPT, not \(error)")
        #expect(ContinuousClock.now - started < .seconds(10))
        // Cleared once the body returns.
        #expect(try connection.query(counting(1_000)).first?["n"] == .integer(1_000))
    }

    @Test func dollarParametersBindOnSQLiteAndValuesRoundTrip() throws {
        let connection = try open()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try connection.executeScript("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try connection.execute("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", [.integer(42), .real(1.5), .text("héllo"), .blob([0, 1, 255]), .null])
        let row = try #require(try connection.query("SELECT * FROM t WHERE s = $1", [.text("héllo")]).first)
        #expect(row["i"] == .integer(42))
        #expect(row["r"] == .real(1.5))
        #expect(row["s"] == .text("héllo"))
        #expect(row["b"] == .blob([0, 1, 255]))
        #expect(row["n"] == .null)
    }

    @Test func parametersCanBeReusedAndReordered() throws {
        let connection = try open()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let row = try #require(try connection.query("SELECT $2 AS second, $1 AS first, $2 AS again", [.text("a"), .text("b")]).first)
        #expect(row["second"] == .text("b"))
        #expect(row["first"] == .text("a"))
        #expect(row["again"] == .text("b"))
    }

    @Test func aWrongParameterCountIsAClearError() throws {
        let connection = try open()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: SQLiteError.self) { try connection.query("SELECT $1", []) }
        #expect(error.code == "sqlite_bind_failed")
        #expect(error.message.contains("expected 1 parameters"))
    }

    @Test func anAddonConnectionCannotAttachAnotherDatabase() throws {
        let connection = try open()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        connection.restrictToOwnFile()
        let other = try SQLiteConnection(path: folder + "/host.sqlite")
        try other.executeScript("CREATE TABLE secrets (value TEXT); INSERT INTO secrets VALUES ('hidden')")
        #expect(throws: SQLiteError.self) {
            try connection.executeScript("ATTACH DATABASE '\(folder)/host.sqlite' AS host")
        }
    }

    @Test func aFailedTransactionLeavesNothingBehind() throws {
        let connection = try open()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: SQLiteError.self) {
            try connection.transaction("CREATE TABLE a (x); CREATE TABLE b (y); INSERT INTO missing VALUES (1);")
        }
        #expect(try connection.schemaObjects().isEmpty)
    }
}
