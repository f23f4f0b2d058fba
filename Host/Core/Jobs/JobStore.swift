import BerthStorage
import PluginAPI

/// Where the runs of every addon's jobs are claimed and recorded, shared by every worker (and, on
/// PostgreSQL, every node): a run is one row, unique per (addon, job, due time), so of all the
/// processes that see a due time come, exactly one inserts its row and runs it.
protocol JobStore: Sendable {
    /// Claims the run `claim` describes, in one transaction: runs of the job left `running` past
    /// their deadline by a process that died become `abandoned`; then, unless the job allows
    /// overlap, a run still going refuses the claim; otherwise the row is inserted unless another
    /// process already did.
    func claim(_ claim: JobClaim) async throws -> JobClaimOutcome

    /// Records how run `id` ended.
    func finish(run id: Int64, result: JobRunResult, error: String?, finishedAt: Int64) async throws

    /// The latest runs of `job` of `addon` (of every job when nil), newest first.
    func runs(addon: String, job: String?, limit: Int) async throws -> [JobRunRow]

    /// The latest due time claimed for `job` of `addon` by its schedule, by any process.
    func lastScheduled(addon: String, job: String) async throws -> Int64?

    /// Removes every record of `addon` (its uninstall).
    func forget(addon: String) async throws

    /// Closes the store's connections.
    func close()
}

/// One run a process wants to start.
struct JobClaim: Sendable {
    var addon: String
    var job: String
    /// The due time, in milliseconds since 1970 (a manual run: now).
    var scheduledAt: Int64
    var trigger: JobTrigger
    var missedRuns: Int
    var startedAt: Int64
    var deadlineAt: Int64
    var worker: String
    var allowOverlap: Bool
    /// A `running` row whose deadline passed before this is taken for a process that died.
    var staleBefore: Int64
    /// Whether a refusal for overlap is recorded as a `skipped` run (scheduled runs) or only
    /// answered (manual runs, which the admin sees refused).
    var recordSkip: Bool
}

/// What a claim got.
enum JobClaimOutcome: Sendable, Equatable {
    /// This process runs it, as run `id`.
    case claimed(Int64)
    /// Another process claimed this due time.
    case taken
    /// Run `running` of the job is still going and the job does not allow overlap.
    case overlapping(running: Int64)
}

/// How a run ended (or that it has not).
enum JobRunResult: String, Sendable, Codable {
    case running, succeeded, failed
    /// Cancelled at its deadline.
    case timedOut = "timed_out"
    /// Cancelled because the addon stopped (deactivation, uninstall, shutdown).
    case cancelled
    /// Not started: the previous run was still going.
    case skipped
    /// Left `running` by a process that died.
    case abandoned

    /// Whether the run counts against the job in its failure streak.
    var isFailure: Bool { self == .failed || self == .timedOut || self == .abandoned }
}

/// A run as stored.
struct JobRunRow: Sendable {
    var id: Int64
    var addon: String
    var job: String
    var trigger: String
    var scheduledAt: Int64
    var startedAt: Int64
    var finishedAt: Int64?
    var result: JobRunResult
    var error: String?
    var worker: String
    var missedRuns: Int

    init(_ row: SQLRow) {
        id = row["id"]?.integer ?? 0
        addon = row["addon"]?.text ?? ""
        job = row["job"]?.text ?? ""
        trigger = row["trigger"]?.text ?? ""
        scheduledAt = row["scheduled_ms"]?.integer ?? 0
        startedAt = row["started_ms"]?.integer ?? 0
        finishedAt = row["finished_ms"]?.integer
        result = JobRunResult(rawValue: row["state"]?.text ?? "") ?? .abandoned
        error = row["error"]?.text
        worker = row["worker"]?.text ?? ""
        missedRuns = Int(row["missed"]?.integer ?? 0)
    }
}

/// The SQL both stores share; `$n` parameters, `T` the table's qualified name.
enum JobStoreSQL {
    static let columns = "id, addon, job, trigger, scheduled_ms, started_ms, finished_ms, state, error, worker, missed"

    static func abandonStale(_ table: String) -> String {
        "UPDATE \(table) SET state = 'abandoned', finished_ms = $3, error = 'the process running it ended before the run did' WHERE addon = $1 AND job = $2 AND state = 'running' AND deadline_ms < $4"
    }

    static func running(_ table: String) -> String {
        "SELECT id FROM \(table) WHERE addon = $1 AND job = $2 AND state = 'running' ORDER BY id LIMIT 1"
    }

    static func insert(_ table: String) -> String {
        """
        INSERT INTO \(table) (addon, job, trigger, scheduled_ms, started_ms, deadline_ms, state, worker, missed, error, finished_ms)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (addon, job, scheduled_ms) DO NOTHING RETURNING id
        """
    }

    static func insertParameters(_ claim: JobClaim, state: JobRunResult, error: String?) -> [SQLValue] {
        [
            .text(claim.addon), .text(claim.job), .text(claim.trigger.rawValue), .integer(claim.scheduledAt), .integer(claim.startedAt),
            .integer(claim.deadlineAt), .text(state.rawValue), .text(claim.worker), .integer(Int64(claim.missedRuns)),
            error.map(SQLValue.text) ?? .null, state == .skipped ? .integer(claim.startedAt) : .null,
        ]
    }

    static func finish(_ table: String) -> String {
        "UPDATE \(table) SET state = $2, error = $3, finished_ms = $4 WHERE id = $1 AND state = 'running'"
    }

    /// Keeps the latest 100 runs of a job.
    static func prune(_ table: String) -> String {
        "DELETE FROM \(table) WHERE addon = $1 AND job = $2 AND id NOT IN (SELECT id FROM \(table) WHERE addon = $1 AND job = $2 ORDER BY id DESC LIMIT 100)"
    }

    static func lastScheduled(_ table: String) -> String {
        "SELECT max(scheduled_ms) AS last FROM \(table) WHERE addon = $1 AND job = $2 AND trigger = 'schedule'"
    }

    /// Runs the claim's statements through `execute`/`query` (already inside a transaction).
    static func claim(_ claim: JobClaim, table: String, execute: (String, [SQLValue]) throws -> Int, query: (String, [SQLValue]) throws -> [SQLRow]) throws -> JobClaimOutcome {
        _ = try execute(abandonStale(table), [.text(claim.addon), .text(claim.job), .integer(claim.startedAt), .integer(claim.staleBefore)])
        if !claim.allowOverlap, let running = try query(running(table), [.text(claim.addon), .text(claim.job)]).first?["id"]?.integer {
            if claim.recordSkip {
                let message = "run \(running) was still going at this due time and the job does not allow overlap"
                _ = try query(insert(table), insertParameters(claim, state: .skipped, error: message))
            }
            return .overlapping(running: running)
        }
        guard let id = try query(insert(table), insertParameters(claim, state: .running, error: nil)).first?["id"]?.integer else { return .taken }
        return .claimed(id)
    }
}
