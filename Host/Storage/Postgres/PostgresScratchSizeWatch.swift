import Foundation
import Synchronization

/// Bounds in size the up → down → up check of a package's migrations on PostgreSQL, which has no
/// quota per schema: from a connection of its own, it measures how much the database grew since
/// the check began, less what the other schemas' relations grew, and past the bound cancels the
/// statement the scratch namespace's control connection is running.
///
/// The growth is read from the database's files (`pg_database_size`), not from the scratch
/// schema's catalog rows: a migration's transaction is not committed while it runs, so the tables
/// it creates are invisible to every other session while their files grow on disk. What the
/// measure cannot tell apart from the check is another session's uncommitted new tables; changes
/// of one home are serialised, so that is another host's migration in the same database at once.
public final class PostgresScratchSizeWatch: @unchecked Sendable {
    // Unchecked Sendable: `state` is a Mutex; `connection` is used by the polling thread alone
    // between init and the end of `stop()`, which waits for that thread.

    /// The bound, in bytes.
    public let limit: Int
    private let connection: PostgresConnection
    private let scratch: PostgresAddonHandle
    private let interval: Duration
    private let state = Mutex(State())
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var largest = 0
        var exceeded = false
        var stopping = false
    }

    /// Starts watching `scratch` (a namespace of `backend`): the database's size now is the
    /// baseline.
    public init(backend: PostgresBackend, scratch: PostgresAddonHandle, limit: Int, interval: Duration = .milliseconds(100)) throws {
        self.limit = limit
        self.scratch = scratch
        self.interval = interval
        connection = try PostgresConnection(url: backend.url)
        let baseline: Int
        do {
            baseline = try Self.unexplainedSize(of: scratch.names.schema, on: connection)
        } catch {
            connection.close()
            throw error
        }
        let thread = Thread { [self] in poll(from: baseline) }
        thread.name = "berth-scratch-watch"
        thread.start()
    }

    /// Whether the check grew past ``limit`` (and its statement was cancelled).
    public var exceeded: Bool { state.withLock { $0.exceeded } }

    /// The most the check had grown by at any measure, in bytes.
    public var largestGrowth: Int { state.withLock { $0.largest } }

    /// Stops watching and closes the watch's connection; call it before the scratch namespace is
    /// dropped. Safe to call more than once.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        stopped.signal()
        finished.wait()
    }

    private func poll(from baseline: Int) {
        defer {
            connection.close()
            finished.signal()
        }
        while stopped.wait(timeout: .now() + Self.dispatchInterval(interval)) == .timedOut {
            // A measure that fails (a relation dropped between the catalog read and its size) is
            // skipped: the next one counts.
            guard let size = try? Self.unexplainedSize(of: scratch.names.schema, on: connection) else { continue }
            let growth = size - baseline
            let over = state.withLock { state -> Bool in
                state.largest = max(state.largest, growth)
                if growth > limit { state.exceeded = true }
                return growth > limit
            }
            // Cancelled again at each measure while over the bound: the check may have moved on
            // to its next statement before the first cancel arrived.
            if over { scratch.control.withLock { $0?.cancel() } }
        }
    }

    /// The database's size less the relations of every schema but `schema`: what the scratch
    /// schema and relations not yet visible to this session take on disk.
    static func unexplainedSize(of schema: String, on connection: PostgresConnection) throws -> Int {
        let rows = try connection.query("""
            SELECT (pg_database_size(current_database()) - coalesce((
                SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'm', 'S') AND NOT c.relisshared AND n.nspname <> $1), 0))::bigint::text AS size
            """, [.text(schema)])
        guard let text = rows.first?["size"]?.text, let size = Int(text) else {
            throw PostgresError.invalidParameter("the size of the database could not be read", sql: "pg_database_size")
        }
        return size
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
