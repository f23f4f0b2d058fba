import Glibc
import BerthPackages
import BerthStorage
import Foundation
import Synchronization

/// Migrations are steps the addon controls: each runs on a dispatch thread with the
/// `BERTH_MIGRATION_TIMEOUT` deadline. On expiry SQLite's statement is interrupted and PostgreSQL's
/// is ended by the server's `statement_timeout`; the step's transaction rolls back and the change
/// is undone.
extension AddonManager {
    /// Runs `body` (migrations on `data`) with the migration deadline.
    func migrating<T: Sendable>(_ step: String, addon: String, on data: any AddonDataHandle, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let limit = LifecycleDeadlines.current.migration
        try Self.boundStatements(of: data, to: limit)
        return try await StepDeadline.runBlocking(step, addon: addon, limit: limit, interrupt: { (data as? SQLiteConnection)?.interrupt() }) { deadline in
            try Self.interruptingStatements(on: data, after: deadline, body)
        }
    }

    /// Runs `body` with SQLite's statements on `data` stopped once `deadline` has passed, even one
    /// that starts after it: the deadline's `sqlite3_interrupt` reaches only a statement running
    /// when it fires, and a step whose thread started late (a loaded machine) would otherwise run
    /// its endless statement past the step's answer, beside the undo on the same connection.
    /// PostgreSQL's `statement_timeout` bounds every statement already.
    static func interruptingStatements<T>(on data: any AddonDataHandle, after deadline: UInt64, _ body: () throws -> T) throws -> T {
        guard let sqlite = data as? SQLiteConnection else { return try body() }
        return try sqlite.interruptingStatements(after: deadline, body)
    }

    /// On PostgreSQL, the server ends a statement running past `limit` (a second later than the
    /// host's own deadline, which answers first).
    static func boundStatements(of data: any AddonDataHandle, to limit: Duration) throws {
        guard let postgres = data as? PostgresAddonHandle else { return }
        let (seconds, attoseconds) = limit.components
        try postgres.limitStatements(toMilliseconds: Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1000)
    }

    /// Runs up → down → up on a scratch namespace, bounded in time and in size: a package whose
    /// downs do not return the schema to empty is refused before it touches the addon's real
    /// namespace, and one whose migrations never end or grow without bound is refused too. SQLite's
    /// scratch file is capped by `max_page_count`; on PostgreSQL a ``PostgresScratchSizeWatch``
    /// cancels the check past the bound. The scratch namespace is dropped whatever happens.
    func checkReversible(_ migrations: [Migration], of manifest: Manifest) async throws {
        guard !migrations.isEmpty else { return }
        let backend = backend
        let deadlines = LifecycleDeadlines.current
        let scratch = Mutex<SQLiteConnection?>(nil)
        let outgrown = Mutex(false)
        do {
            try await StepDeadline.runBlocking("migration_check", addon: manifest.id, limit: deadlines.migration, interrupt: { scratch.withLock { $0?.interrupt() } }) { deadline in
                try backend.withScratchNamespace { handle in
                    if let sqlite = handle as? SQLiteConnection {
                        try sqlite.limitSize(toBytes: deadlines.scratchBytes)
                        scratch.withLock { $0 = sqlite }
                    }
                    defer { scratch.withLock { $0 = nil } }
                    try Self.boundStatements(of: handle, to: deadlines.migration)
                    var watch: PostgresScratchSizeWatch?
                    if let postgres = handle as? PostgresAddonHandle, let server = backend as? PostgresBackend {
                        watch = try PostgresScratchSizeWatch(backend: server, scratch: postgres, limit: deadlines.scratchBytes)
                    }
                    // Stopped before the namespace is dropped, and read after the check failed.
                    defer {
                        watch?.stop()
                        if watch?.exceeded == true { outgrown.withLock { $0 = true } }
                    }
                    try Self.interruptingStatements(on: handle, after: deadline) { try MigrationRunner(database: handle).checkReversible(migrations) }
                }
            }
        } catch let error as MigrationError {
            let message = "migrations of \(manifest.id) \(manifest.version) failed the up → down → up check on a scratch database: \(error.message)"
            // "Full" with room left on the disk is the scratch cap: the package's fault (422), not a
            // full disk (which keeps its cause and is answered 507).
            if outgrown.withLock({ $0 }) || ("\(error)".contains("full") && Self.freeBytes(at: home.stateDirectory) > deadlines.scratchBytes) {
                throw Self.scratchTooLarge(message, deadlines)
            }
            throw BerthError.unprocessable(error.code, message, cause: error)
        } catch where outgrown.withLock({ $0 }) {
            throw Self.scratchTooLarge("migrations of \(manifest.id) \(manifest.version) failed the up → down → up check on a scratch database: \(error)", deadlines)
        }
    }

    private static func scratchTooLarge(_ message: String, _ deadlines: LifecycleDeadlines) -> BerthError {
        BerthError.unprocessable("migration_too_large", message + " (the scratch database may grow to BERTH_SCRATCH_MAX_MB=\(deadlines.scratchBytes >> 20))")
    }

    /// Free bytes on the file system holding `path` (0 when it cannot be read).
    static func freeBytes(at path: String) -> Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int(clamping: UInt64(stats.f_bavail) &* UInt64(stats.f_frsize))
    }
}
