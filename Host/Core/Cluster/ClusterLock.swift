import BerthStorage

/// Cluster-wide locks per addon: PostgreSQL session-level advisory locks on
/// `hashtext('berth:migrate:' || id)`, held on one dedicated connection.
///
/// A node holds an addon's lock for the whole of any change to it that touches its data (install,
/// upgrade and their migrations, the down-migrations and the drop of an uninstall), so exactly one
/// node migrates an addon, and the others, taking the lock after it, find the migration ledger
/// current. The server releases a lock when its session ends, so a node that crashes never leaves
/// an addon locked.
final class ClusterLock: Sendable {
    /// How long a node waits for another one's change to an addon before giving up.
    static let timeout = "60s"

    /// One connection: session locks belong to the session that took them.
    private let pool: PostgresPool

    init(url: String) {
        pool = PostgresPool(size: 1) {
            let connection = try PostgresConnection(url: url)
            try connection.executeScript("SET lock_timeout = '\(Self.timeout)'")
            return connection
        }
    }

    /// Closes the connection, which releases any lock still held.
    func close() {
        pool.close()
    }

    /// Runs `body` holding the locks of `ids`, taken in sorted order so two nodes locking
    /// overlapping sets cannot deadlock; waits while another node holds one of them.
    func withLocks<T>(on ids: [String], isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        let keys = Set(ids).sorted().map(Self.key)
        var taken: [String] = []
        do {
            for key in keys {
                try await pool.withConnection { _ = try $0.query("SELECT pg_advisory_lock(hashtext($1))", [.text(key)]) }
                taken.append(key)
            }
            let result = try await body()
            await release(taken)
            return result
        } catch {
            await release(taken)
            throw error
        }
    }

    /// Takes the lock of `id` if no one holds it.
    /// - Returns: whether it was taken; release it with ``unlock(_:)``.
    func tryLock(_ id: String) async throws -> Bool {
        let key = Self.key(id)
        return try await pool.withConnection { connection in
            try connection.query("SELECT pg_try_advisory_lock(hashtext($1)) AS taken", [.text(key)]).first?["taken"]?.integer == 1
        }
    }

    /// Releases a lock taken by ``tryLock(_:)``.
    func unlock(_ id: String) async {
        await release([Self.key(id)])
    }

    private func release(_ keys: [String]) async {
        for key in keys.reversed() {
            _ = try? await pool.withConnection { try $0.query("SELECT pg_advisory_unlock(hashtext($1))", [.text(key)]).count }
        }
    }

    private static func key(_ id: String) -> String { "berth:migrate:" + id }
}
