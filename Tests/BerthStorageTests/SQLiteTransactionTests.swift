import BerthStorage
import Foundation
import PluginAPI
import Synchronization
import Testing

/// Addon transactions on a real SQLite file: atomic, isolated from the addon's concurrent
/// requests on the same connection, bounded by a deadline.
struct SQLiteTransactionTests {
    let folder = NSTemporaryDirectory() + "berth-sqlite-tx-\(UUID().uuidString.prefix(8))"

    func open(timeout: Duration = .seconds(5)) throws -> (SQLiteConnection, any AddonDatabase) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let connection = try SQLiteConnection(path: folder + "/addon.sqlite", transactionTimeout: timeout)
        connection.restrictToOwnFile()
        try connection.executeScript("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
        return (connection, connection.database)
    }

    func count(_ database: any AddonDatabase) async throws -> Int64? {
        try await database.query("SELECT count(*) AS c FROM notes").first?["c"]?.integer
    }

    @Test func aTransactionCommitsWhenItsBodyReturnsAndHandsBackItsValue() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        let id = try await database.transaction { tx in
            try await tx.execute("INSERT INTO notes (title) VALUES ($1)", [.text("first")])
            try await tx.execute("INSERT INTO notes (title) VALUES ($1)", [.text("second")])
            return try await tx.query("SELECT max(id) AS id FROM notes").first?["id"]?.integer
        }
        #expect(id == 2)
        #expect(try await count(database) == 2)
    }

    @Test func aThrownErrorRollsEverythingBackAndIsRethrown() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('kept?')")
                throw Refused()
            }
        }
        #expect(try await count(database) == 0)
        // A failing statement inside the body rolls back the statements before it too.
        await #expect(throws: SQLiteError.self) {
            try await database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('first')")
                try await tx.execute("INSERT INTO notes (title) VALUES (NULL)")
            }
        }
        #expect(try await count(database) == 0)
    }

    @Test func aConcurrentRequestNeverSeesAWriteItsTransactionRollsBack() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        for outcome in ["rollback", "commit"] {
            try connection.execute("DELETE FROM notes")
            let inserted = Latch()
            let proceed = Latch()
            struct Abandoned: Error {}
            let transaction = Task {
                try await database.transaction { tx in
                    try await tx.execute("INSERT INTO notes (title) VALUES ('uncommitted')")
                    inserted.open()
                    await proceed.wait()
                    if outcome == "rollback" { throw Abandoned() }
                }
            }
            await inserted.wait()
            // Another process's connection sees only committed data.
            let other = try SQLiteConnection(path: connection.path)
            #expect(try other.query("SELECT count(*) AS c FROM notes").first?["c"] == .integer(0))
            other.close()
            // A request on the same connection waits for the transaction to end.
            let reader = Task { try await count(database) }
            try await waitUntil { connection.waitingForTransaction == 1 }
            proceed.open()
            _ = await transaction.result
            let seen = try await reader.value
            #expect(seen == (outcome == "rollback" ? 0 : 1), "\(outcome)")
        }
    }

    @Test func aNestedTransactionIsASavepointThatUndoesOnlyItsOwnWork() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        struct InnerFailed: Error {}
        try await database.transaction { tx in
            try await tx.execute("INSERT INTO notes (title) VALUES ('outer')")
            await #expect(throws: InnerFailed.self) {
                try await tx.transaction { inner in
                    try await inner.execute("INSERT INTO notes (title) VALUES ('inner')")
                    throw InnerFailed()
                }
            }
            try await tx.transaction { inner in
                try await inner.execute("INSERT INTO notes (title) VALUES ('inner kept')")
            }
        }
        let titles = try await database.query("SELECT title FROM notes ORDER BY id").map { $0["title"]?.text }
        #expect(titles == ["outer", "inner kept"])
    }

    @Test func severalStatementsInOneTextAreRefusedAndNoneRuns() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        for sql in ["INSERT INTO notes (title) VALUES ('a'); INSERT INTO notes (title) VALUES ('b')",
                    "INSERT INTO notes (title) VALUES ('a');DROP TABLE notes",
                    "INSERT INTO notes (title) VALUES ('a'); -- a comment\n SELECT 1"] {
            let error = await #expect(throws: DatabaseError.self) { try await database.execute(sql) }
            #expect(error?.code == "multiple_statements", "\(sql)")
            let queried = await #expect(throws: DatabaseError.self) { _ = try await database.query(sql) }
            #expect(queried?.code == "multiple_statements", "\(sql)")
        }
        await #expect(throws: DatabaseError.self) {
            try await database.transaction { tx in try await tx.execute("INSERT INTO notes (title) VALUES ('a'); INSERT INTO notes (title) VALUES ('b')") }
        }
        #expect(try await count(database) == 0)
        // One statement with a trailing semicolon, comments or a semicolon inside a string is one.
        #expect(try await database.execute("INSERT INTO notes (title) VALUES ('a;b'); -- done") == 1)
        #expect(try await database.execute("/* lead */ INSERT INTO notes (title) VALUES ('c');  ;") == 1)
        #expect(try await count(database) == 2)
    }

    @Test func transactionControlThroughExecuteIsRefusedAndLeavesNoTransactionOpen() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        for sql in ["BEGIN", "begin immediate", "  /* x */ COMMIT", "END TRANSACTION", "ROLLBACK", "SAVEPOINT a", "RELEASE a"] {
            let error = await #expect(throws: DatabaseError.self) { try await database.execute(sql) }
            #expect(error?.code == "transaction_control", "\(sql)")
        }
        let inside = await #expect(throws: DatabaseError.self) {
            try await database.transaction { tx in try await tx.execute("COMMIT") }
        }
        #expect(inside?.code == "transaction_control")
        // Nothing is left open: a later plain write is committed at once, seen by another connection.
        try await database.execute("INSERT INTO notes (title) VALUES ('after')")
        let other = try SQLiteConnection(path: connection.path)
        defer { other.close() }
        #expect(try other.query("SELECT count(*) AS c FROM notes").first?["c"] == .integer(1))
    }

    @Test func theOuterDatabaseUsedInsideItsTransactionIsRefusedInsteadOfWaiting() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        let error = await #expect(throws: DatabaseError.self) {
            try await database.transaction { _ in try await database.execute("INSERT INTO notes (title) VALUES ('x')") }
        }
        #expect(error?.code == "database_in_transaction")
        let nested = await #expect(throws: DatabaseError.self) {
            try await database.transaction { _ in try await database.transaction { _ in } }
        }
        #expect(nested?.code == "database_in_transaction")
    }

    @Test func aTransactionPastItsDeadlineIsRolledBackAndReleasesTheConnection() async throws {
        let (connection, database) = try open(timeout: .milliseconds(300))
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        let inserted = Latch()
        let never = Latch()
        let stuck = Task {
            try await database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('stuck')")
                inserted.open()
                await never.wait()
                try await tx.execute("INSERT INTO notes (title) VALUES ('too late')")
            }
        }
        await inserted.wait()
        // The addon's other requests get the connection back once the deadline passes.
        #expect(try await count(database) == 0)
        never.open()
        let error = await #expect(throws: DatabaseError.self) { try await stuck.value }
        #expect(error?.code == "transaction_timed_out")
        #expect(try await count(database) == 0)

        // A statement that would run forever is stopped at the deadline.
        let endless = await #expect(throws: DatabaseError.self) {
            try await database.transaction { tx in
                _ = try await tx.query("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")
            }
        }
        #expect(endless?.code == "transaction_timed_out")
        try await database.execute("INSERT INTO notes (title) VALUES ('after')")
        #expect(try await count(database) == 1)
    }

    @Test func aTransactionHandleUsedAfterItsTransactionEndedIsRefused() async throws {
        let (connection, database) = try open()
        defer { connection.close(); try? FileManager.default.removeItem(atPath: folder) }
        let escaped = try await database.transaction { tx in tx }
        let error = await #expect(throws: DatabaseError.self) { try await escaped.execute("INSERT INTO notes (title) VALUES ('late')") }
        #expect(error?.code == "transaction_finished")
    }
}

/// Opens once; every waiter, past or future, then goes on.
final class Latch: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    var isOpen: Bool { state.withLock { $0.open } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }
}

/// Waits until `condition` holds, checking every few milliseconds, for at most 10 seconds.
func waitUntil(_ condition: () throws -> Bool) async throws {
    let limit = ContinuousClock.now + .seconds(10)
    while try !condition() {
        guard ContinuousClock.now < limit else { throw ConditionTimedOut() }
        try await Task.sleep(for: .milliseconds(2))
    }
}

struct ConditionTimedOut: Error {}
