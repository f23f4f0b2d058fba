import BerthStorage
import PluginAPI

/// The job runs of a host (or a cluster) on PostgreSQL: schema `berth_jobs`, owned by the admin
/// URL's user and granted to no one, so no addon role can read or lock it. A claim locks the job's
/// row of `berth_jobs.jobs` (`FOR UPDATE`) for its transaction, which orders the claims of every
/// worker of every node, and the unique (addon, job, scheduled_ms) key of `berth_jobs.runs` lets
/// only the first insert a due time's row.
final class PostgresJobStore: JobStore {
    private static let table = "berth_jobs.runs"
    private static let schema = """
        LOCK TABLE public.berth_storage_secret IN SHARE ROW EXCLUSIVE MODE;
        CREATE SCHEMA IF NOT EXISTS berth_jobs;
        REVOKE ALL ON SCHEMA berth_jobs FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS berth_jobs.jobs (addon text NOT NULL, job text NOT NULL, PRIMARY KEY (addon, job));
        CREATE TABLE IF NOT EXISTS berth_jobs.runs (
            id bigserial PRIMARY KEY,
            addon text NOT NULL, job text NOT NULL, trigger text NOT NULL,
            scheduled_ms bigint NOT NULL, started_ms bigint NOT NULL, deadline_ms bigint NOT NULL,
            finished_ms bigint, state text NOT NULL, error text, worker text NOT NULL, missed integer NOT NULL DEFAULT 0,
            UNIQUE (addon, job, scheduled_ms)
        );
        CREATE INDEX IF NOT EXISTS runs_by_job ON berth_jobs.runs (addon, job, id);
        """

    private let pool: PostgresPool

    /// A store on the database of `url` (the admin URL), with at most two connections; creates the
    /// schema if it is missing.
    init(url: String) async throws {
        pool = PostgresPool(size: 2) { try PostgresConnection(url: url) }
        try await pool.withConnection { try $0.transaction(Self.schema) }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.transaction(body)
    }

    func claim(_ claim: JobClaim) async throws -> JobClaimOutcome {
        try await transaction { connection in
            let key: [SQLValue] = [.text(claim.addon), .text(claim.job)]
            try connection.execute("INSERT INTO berth_jobs.jobs (addon, job) VALUES ($1, $2) ON CONFLICT DO NOTHING", key)
            _ = try connection.query("SELECT 1 FROM berth_jobs.jobs WHERE addon = $1 AND job = $2 FOR UPDATE", key)
            return try JobStoreSQL.claim(claim, table: Self.table, execute: { try connection.execute($0, $1) }, query: { try connection.query($0, $1) })
        }
    }

    func finish(run id: Int64, result: JobRunResult, error: String?, finishedAt: Int64) async throws {
        try await pool.withConnection { connection in
            let rows = try connection.query("UPDATE berth_jobs.runs SET state = $2, error = $3, finished_ms = $4 WHERE id = $1 AND state = 'running' RETURNING addon, job",
                                            [.integer(id), .text(result.rawValue), error.map(SQLValue.text) ?? .null, .integer(finishedAt)])
            if let row = rows.first, let addon = row["addon"]?.text, let job = row["job"]?.text {
                try connection.execute(JobStoreSQL.prune(Self.table), [.text(addon), .text(job)])
            }
        }
    }

    func runs(addon: String, job: String?, limit: Int) async throws -> [JobRunRow] {
        try await pool.withConnection { connection in
            let filter = job == nil ? "" : " AND job = $3"
            var parameters: [SQLValue] = [.text(addon), .integer(Int64(limit))]
            if let job { parameters.append(.text(job)) }
            return try connection.query("SELECT \(JobStoreSQL.columns) FROM berth_jobs.runs WHERE addon = $1\(filter) ORDER BY id DESC LIMIT $2", parameters).map(JobRunRow.init)
        }
    }

    func lastScheduled(addon: String, job: String) async throws -> Int64? {
        try await pool.withConnection { try $0.query(JobStoreSQL.lastScheduled(Self.table), [.text(addon), .text(job)]).first?["last"]?.integer }
    }

    func forget(addon: String) async throws {
        try await transaction { connection in
            try connection.execute("DELETE FROM berth_jobs.runs WHERE addon = $1", [.text(addon)])
            try connection.execute("DELETE FROM berth_jobs.jobs WHERE addon = $1", [.text(addon)])
        }
    }

    func close() {
        pool.close()
    }
}
