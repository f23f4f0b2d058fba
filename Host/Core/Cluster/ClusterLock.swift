import BerthStorage
import Dispatch

/// Cluster-wide locks per addon: row locks (`SELECT … FOR UPDATE`) on `berth_cluster.locks`, one
/// row per addon id, held by an open transaction on a connection of their own.
///
/// A node holds an addon's lock for the whole of any change to it that touches its data (install,
/// upgrade and their migrations, the down-migrations and the drop of an uninstall), so exactly one
/// node migrates an addon, and the others, taking the lock after it, find the migration ledger
/// current. The server releases a lock when its session ends, so a node that crashes never leaves
/// an addon locked.
///
/// Why rows and not advisory locks: advisory locks are one key space per database that every
/// session may take, an addon's login role included, so an addon could hold any change to any
/// addon, or a node's start, for as long as it liked. Schema `berth_cluster` grants nothing to
/// anyone, so no addon role can name, let alone lock, a row of it.
///
/// Every wait is bounded (`lock_timeout`): a node that cannot get a lock in time gives up with
/// `503 cluster_busy` before changing anything.
final class ClusterLock: Sendable {
    /// How long an admin change waits for another node's change to the same addon.
    let timeout: Duration

    private let url: String

    init(url: String, timeout: Duration) {
        self.url = url
        self.timeout = timeout
    }

    /// Nothing stays open between changes: every lock has its own connection.
    func close() {}

    /// Runs `body` holding the locks of `ids`, taken in sorted order so two nodes locking
    /// overlapping sets cannot deadlock; waits at most `wait` (default ``timeout``) while another
    /// node holds one of them, then throws `503 cluster_busy`.
    func withLocks<T>(on ids: [String], wait: Duration? = nil, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        let held = try await Held.take(Set(ids).sorted(), url: url, wait: wait ?? timeout)
        do {
            let result = try await body()
            await held.release()
            return result
        } catch {
            await held.release()
            throw error
        }
    }

    /// Takes the lock of `id` if no one holds it.
    /// - Returns: the held lock (release it with ``Held/release()``), or nil when another node holds it.
    func tryLock(_ id: String) async throws -> Held? {
        do {
            return try await Held.take([id], url: url, wait: nil)
        } catch let error as BerthError where error.code == "cluster_busy" {
            return nil
        }
    }

    /// Locks held by one open transaction on one connection; released by ending both.
    final class Held: Sendable {
        private let connection: PostgresConnection
        private let queue: DispatchQueue

        private init(connection: PostgresConnection, queue: DispatchQueue) {
            self.connection = connection
            self.queue = queue
        }

        /// Connects, makes sure each id has its row, and locks the rows in order, waiting at most
        /// `wait` for each (nil: not at all).
        static func take(_ ids: [String], url: String, wait: Duration?) async throws -> Held {
            let queue = DispatchQueue(label: "berth.cluster.lock")
            return try await run(on: queue) {
                let connection = try PostgresConnection(url: url, statementCacheCapacity: 0)
                do {
                    for id in ids {
                        try connection.execute("INSERT INTO berth_cluster.locks (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", [.text(id)])
                    }
                    let milliseconds = wait.map { max(1, Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000)) }
                    try connection.executeScript("BEGIN; SET LOCAL lock_timeout = '\(milliseconds ?? 0)ms'")
                    let clause = milliseconds == nil ? "FOR UPDATE NOWAIT" : "FOR UPDATE"
                    for id in ids {
                        do {
                            _ = try connection.query("SELECT id FROM berth_cluster.locks WHERE id = $1 \(clause)", [.text(id)])
                        } catch let error as PostgresError where error.sqlState == "55P03" {
                            throw BerthError(status: 503, code: "cluster_busy", message: "another node is changing addon \(id) and still held its cluster lock after \(wait.map { "\($0)" } ?? "no wait"); nothing was changed, try again", cause: error)
                        }
                    }
                    return Held(connection: connection, queue: queue)
                } catch {
                    connection.close()
                    throw error
                }
            }
        }

        /// Ends the transaction and the session, which releases every lock.
        func release() async {
            let connection = connection
            _ = try? await Self.run(on: queue) {
                try? connection.executeScript("COMMIT")
                connection.close()
            }
        }

        /// libpq blocks: its calls run on `queue`, never on the caller's thread.
        private static func run<R: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> R) async throws -> R {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: Result { try body() }) }
            }
        }
    }
}
