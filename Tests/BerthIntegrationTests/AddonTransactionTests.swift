import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// An addon using `db.transaction {}` through the real host, on SQLite (in one process and across
/// two worker processes) and on PostgreSQL: commits
/// and rollbacks as its handler decides, its concurrent requests never see an uncommitted write,
/// and a multi-statement text or a stray `BEGIN` is refused with a clear code.
struct AddonTransactionTests {
    static let notes = [(id: "0001_notes", up: "CREATE TABLE notes (title TEXT NOT NULL);", down: "DROP TABLE notes;")]

    @Test func transactionsCommitRollBackAndStayIsolatedOnSQLite() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try exercise(host, id: "ledger", dialect: "sqlite")
    }

    @Test func transactionsStayIsolatedAcrossTwoWorkerProcessesOnSQLite() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try exercise(packages: host.packages, client: host.anonymous, id: "ledger", dialect: "sqlite") { archive, id in
            try host.uploadAndInstall(archive, id: id)
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
    func transactionsCommitRollBackAndStayIsolatedOnPostgreSQL() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url])
        defer { host.close() }
        try exercise(host, id: database.id("ledger"), dialect: "postgres")
    }

    func exercise(_ host: IntegrationHost, id: String, dialect: String) throws {
        try exercise(packages: host.packages, client: host.berth.anonymous, id: id, dialect: dialect) { archive, id in
            _ = try host.uploadAndInstall(archive, id: id)
        }
    }

    func exercise(packages: PackageFactory, client: HTTPTestClient, id: String, dialect: String, install: (String, String) throws -> Void) throws {
        try install(try packages.fixture(id: id, version: "1.0.0", migrations: Self.notes, dialects: [dialect], product: "FixtureSQLAddon"), id)
        let base = "/api/v1/\(id)"
        func titles() throws -> [String] {
            let reply = try client.send("GET", base + "/tx/notes")
            #expect(reply.status == 200, "GET notes: \(reply.text)")
            return reply.json["titles"] as? [String] ?? []
        }

        let committed = try client.send("POST", base + "/tx/notes", body: Array("a\nb".utf8))
        #expect(committed.status == 201, "\(committed.text)")
        #expect(committed.json["count"] as? Int == 2)

        let refused = try client.send("POST", base + "/tx/notes?fail=1", body: Array("c\nd".utf8))
        #expect(refused.status == 409, "\(refused.text)")
        #expect(refused.errorCode == "refused_on_purpose")
        #expect(try titles() == ["a", "b"], "the thrown error rolled both inserts back")

        // A transaction holds its insert for 400 ms, then rolls back; reads meanwhile never see it.
        let holder = Thread.detachedResult {
            try client.send("POST", base + "/tx/notes?fail=1&hold=400", body: Array("ghost".utf8)).status
        }
        var reads = 0
        while !holder.isFinished {
            let seen = try titles()
            #expect(!seen.contains("ghost"), "read \(reads) saw an uncommitted write: \(seen)")
            reads += 1
        }
        #expect(try holder.value() == 409)
        #expect(reads > 0)
        #expect(try titles() == ["a", "b"])

        let several = try client.send("POST", base + "/sql", body: Array("INSERT INTO notes (title) VALUES ('x'); INSERT INTO notes (title) VALUES ('y')".utf8))
        #expect(several.status == 422)
        #expect(several.json["code"] as? String == "multiple_statements", "\(several.text)")
        let begin = try client.send("POST", base + "/sql", body: Array("BEGIN".utf8))
        #expect(begin.json["code"] as? String == "transaction_control", "\(begin.text)")
        #expect(try titles() == ["a", "b"], "nothing of the refused texts ran")
    }
}

/// A value computed on a thread of its own, joined by ``value()``.
final class ThreadResult<T: Sendable>: Sendable {
    private let state = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    fileprivate init() {}

    /// Whether the thread has finished.
    var isFinished: Bool { state.withLock { $0 != nil } }

    /// Waits for the thread and returns its value or throws its error.
    func value() throws -> T {
        done.wait()
        done.signal()
        return try state.withLock { $0! }.get()
    }

    fileprivate func finish(_ result: Result<T, any Error>) {
        state.withLock { $0 = result }
        done.signal()
    }
}

extension Thread {
    /// Runs `body` on a new thread.
    static func detachedResult<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        Thread.detachNewThread { result.finish(Result { try body() }) }
        return result
    }
}
