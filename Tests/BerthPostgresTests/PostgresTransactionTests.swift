import BerthStorage
import Foundation
import PluginAPI
import Synchronization
import Testing

/// Addon transactions on the real PostgreSQL: one connection for the whole body, atomic, isolated
/// from the addon's concurrent requests, bounded by a deadline.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresTransactionTests {
    /// An addon namespace with a `notes` table, and its database with the deadline given.
    final class Addon: Sendable {
        let backend: PostgresBackend
        let id: String
        let handle: PostgresAddonHandle
        let database: PostgresAddonDatabase

        init(poolSize: Int = 4, timeout: Duration = .seconds(5)) throws {
            backend = try PostgresTestServer.backend(poolSize: poolSize)
            id = PostgresTestServer.uniqueID("tx")
            handle = try #require(try backend.createNamespace(id) as? PostgresAddonHandle)
            try handle.runAtomically("CREATE TABLE notes (id serial PRIMARY KEY, title text NOT NULL)")
            database = PostgresAddonDatabase(pool: handle.pool, transactionTimeout: timeout)
        }

        func count() async throws -> Int64? {
            try await database.query("SELECT count(*) AS c FROM notes").first?["c"]?.integer
        }

        func close() {
            handle.close()
            _ = try? backend.dropNamespace(id)
        }
    }

    @Test func everyStatementOfATransactionRunsOnOneConnectionAndCommitsTogether() async throws {
        let addon = try Addon()
        defer { addon.close() }
        let pids = try await addon.database.transaction { tx in
            var pids: [SQLValue?] = []
            for title in ["a", "b", "c"] {
                try await tx.execute("INSERT INTO notes (title) VALUES ($1)", [.text(title)])
                pids.append(try await tx.query("SELECT pg_backend_pid() AS pid").first?["pid"])
            }
            // Its own writes are visible to it before the commit.
            #expect(try await tx.query("SELECT count(*) AS c FROM notes").first?["c"] == .integer(3))
            return pids
        }
        #expect(Set(pids).count == 1)
        #expect(try await addon.count() == 3)
    }

    @Test func aConcurrentRequestSeesNoUncommittedWriteAndAThrownErrorRollsBack() async throws {
        let addon = try Addon()
        defer { addon.close() }
        struct Abandoned: Error {}
        let inserted = Latch()
        let proceed = Latch()
        let transaction = Task {
            try await addon.database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('uncommitted')")
                inserted.open()
                await proceed.wait()
                throw Abandoned()
            }
        }
        await inserted.wait()
        #expect(try await addon.count() == 0, "another request does not see the open transaction's write")
        proceed.open()
        await #expect(throws: Abandoned.self) { try await transaction.value }
        #expect(try await addon.count() == 0)
    }

    @Test func aFailedStatementAbortsTheTransactionUnlessItsSavepointWasUndone() async throws {
        let addon = try Addon()
        defer { addon.close() }
        // Caught inside a savepoint: the rest commits.
        try await addon.database.transaction { tx in
            try await tx.execute("INSERT INTO notes (title) VALUES ('outer')")
            await #expect(throws: PostgresError.self) {
                try await tx.transaction { inner in
                    try await inner.execute("INSERT INTO notes (title) VALUES ('inner')")
                    try await inner.execute("INSERT INTO notes (title) VALUES (NULL)")
                }
            }
        }
        #expect(try await addon.database.query("SELECT title FROM notes").map { $0["title"]?.text } == ["outer"])
        // Caught without a savepoint: PostgreSQL aborted the transaction, so it cannot commit.
        let aborted = await #expect(throws: DatabaseError.self) {
            try await addon.database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('lost')")
                _ = try? await tx.execute("INSERT INTO notes (title) VALUES (NULL)")
            }
        }
        #expect(aborted?.code == "transaction_aborted")
        #expect(try await addon.count() == 1)
    }

    @Test func transactionControlAndSeveralStatementsAreRefusedOnPooledCalls() async throws {
        let addon = try Addon(poolSize: 1)
        defer { addon.close() }
        for sql in ["BEGIN", "start transaction", "COMMIT", "ROLLBACK", "SAVEPOINT x", "PREPARE TRANSACTION 'x'", "END", "ABORT"] {
            let error = await #expect(throws: DatabaseError.self) { try await addon.database.execute(sql) }
            #expect(error?.code == "transaction_control", "\(sql)")
        }
        for sql in ["INSERT INTO notes (title) VALUES ('a'); INSERT INTO notes (title) VALUES ('b')",
                    "SELECT 1; DELETE FROM notes"] {
            let error = await #expect(throws: DatabaseError.self) { _ = try await addon.database.query(sql) }
            #expect(error?.code == "multiple_statements", "\(sql)")
            let inside = await #expect(throws: DatabaseError.self) {
                try await addon.database.transaction { tx in try await tx.execute(sql) }
            }
            #expect(inside?.code == "multiple_statements", "\(sql)")
        }
        // Semicolons inside strings, identifiers, comments and dollar quotes are not separators.
        #expect(try await addon.database.execute("INSERT INTO notes (title) VALUES ('a;b'), (E'c\\';d'), ($q$e;f$q$) /* ; */ -- ;\n ;") == 3)
        #expect(try await addon.count() == 3)
    }

    @Test func aTransactionPastItsDeadlineIsRolledBackAndItsConnectionReturned() async throws {
        let addon = try Addon(poolSize: 1, timeout: .milliseconds(400))
        defer { addon.close() }
        let inserted = Latch()
        let never = Latch()
        let stuck = Task {
            try await addon.database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('stuck')")
                inserted.open()
                await never.wait()
                try await tx.execute("INSERT INTO notes (title) VALUES ('too late')")
            }
        }
        await inserted.wait()
        // The pool's only connection comes back once the deadline passes.
        #expect(try await addon.count() == 0)
        never.open()
        let error = await #expect(throws: DatabaseError.self) { try await stuck.value }
        #expect(error?.code == "transaction_timed_out")

        // A statement that runs past the deadline is cancelled by the server.
        let slow = await #expect(throws: DatabaseError.self) {
            try await addon.database.transaction { tx in
                try await tx.execute("INSERT INTO notes (title) VALUES ('slow')")
                _ = try await tx.query("SELECT pg_sleep(30)")
            }
        }
        #expect(slow?.code == "transaction_timed_out")
        #expect(try await addon.count() == 0)
        #expect(try await addon.database.query("SELECT 1 AS one").first?["one"] == .integer(1))
    }

    @Test func theOuterDatabaseInsideItsTransactionIsRefusedRatherThanWaitingForAConnection() async throws {
        let addon = try Addon(poolSize: 1)
        defer { addon.close() }
        let error = await #expect(throws: DatabaseError.self) {
            try await addon.database.transaction { _ in _ = try await addon.database.query("SELECT 1") }
        }
        #expect(error?.code == "database_in_transaction")
    }

    @Test func rowsFromPostgreSQLDecodeIntoATypeWithNumericsAndBooleans() async throws {
        let addon = try Addon()
        defer { addon.close() }
        struct Summary: Decodable, Equatable { let total: Int; let average: Double; let anyDone: Bool; let label: String? }
        let rows = try await addon.database.query(Summary.self, "SELECT 3::numeric AS total, 1.5::numeric AS average, true AS any_done, NULL::text AS label")
        #expect(rows == [Summary(total: 3, average: 1.5, anyDone: true, label: nil)])
        struct Wrong: Decodable { let total: String }
        let error = await #expect(throws: DatabaseError.self) { _ = try await addon.database.query(Wrong.self, "SELECT 3::int AS total") }
        #expect(error?.message == "Wrong.total: column total holds integer 3, String expected")
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
