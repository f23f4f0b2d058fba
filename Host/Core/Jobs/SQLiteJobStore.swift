import BerthStorage
import Dispatch
import PluginAPI

/// The job runs of a host on SQLite: `job_runs` in the home's `.berth/jobs.sqlite`, which every
/// worker opens. A claim is one `BEGIN IMMEDIATE` transaction, so SQLite's write lock orders the
/// workers' claims, and the unique (addon, job, scheduled_ms) key lets only the first insert a due
/// time's row.
final class SQLiteJobStore: JobStore {
    private static let table = "job_runs"
    private static let schema = """
        CREATE TABLE IF NOT EXISTS job_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            addon TEXT NOT NULL, job TEXT NOT NULL, trigger TEXT NOT NULL,
            scheduled_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL,
            finished_ms INTEGER, state TEXT NOT NULL, error TEXT, worker TEXT NOT NULL, missed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (addon, job, scheduled_ms)
        );
        CREATE INDEX IF NOT EXISTS job_runs_by_job ON job_runs (addon, job, id);
        """

    private let connection: SQLiteConnection
    /// Every statement runs here, off the cooperative pool: a claim may wait for another worker's
    /// write lock (SQLite's busy timeout).
    private let queue = DispatchQueue(label: "berth.jobs.sqlite")

    /// Opens (creating) the store at `path`.
    init(path: String) throws {
        connection = try SQLiteConnection(path: path)
        try connection.transaction(Self.schema)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [connection] in continuation.resume(with: Result { try body(connection) }) }
        }
    }

    func claim(_ claim: JobClaim) async throws -> JobClaimOutcome {
        try await run { connection in
            try connection.immediateTransaction {
                try JobStoreSQL.claim(claim, table: Self.table, execute: { try connection.execute($0, $1) }, query: { try connection.query($0, $1) })
            }
        }
    }

    func finish(run id: Int64, result: JobRunResult, error: String?, finishedAt: Int64) async throws {
        try await run { connection in
            let rows = try connection.query("SELECT addon, job FROM job_runs WHERE id = $1", [.integer(id)])
            try connection.execute(JobStoreSQL.finish(Self.table), [.integer(id), .text(result.rawValue), error.map(SQLValue.text) ?? .null, .integer(finishedAt)])
            if let row = rows.first, let addon = row["addon"]?.text, let job = row["job"]?.text {
                try connection.execute(JobStoreSQL.prune(Self.table), [.text(addon), .text(job)])
            }
        }
    }

    func runs(addon: String, job: String?, limit: Int) async throws -> [JobRunRow] {
        try await run { connection in
            let filter = job == nil ? "" : " AND job = $3"
            var parameters: [SQLValue] = [.text(addon), .integer(Int64(limit))]
            if let job { parameters.append(.text(job)) }
            return try connection.query("SELECT \(JobStoreSQL.columns) FROM job_runs WHERE addon = $1\(filter) ORDER BY id DESC LIMIT $2", parameters).map(JobRunRow.init)
        }
    }

    func lastScheduled(addon: String, job: String) async throws -> Int64? {
        try await run { try $0.query(JobStoreSQL.lastScheduled(Self.table), [.text(addon), .text(job)]).first?["last"]?.integer }
    }

    func forget(addon: String) async throws {
        _ = try await run { try $0.execute("DELETE FROM job_runs WHERE addon = $1", [.text(addon)]) }
    }

    func close() {
        queue.sync { connection.close() }
    }
}
