import BerthPackages
import BerthStorage
import PluginAPI
import Foundation

/// The part of the lifecycle that owns the home, whichever process runs it: the registry file, the
/// journal, the home's lock, unfinished changes, kept data, which processes serve which addon, and
/// recovery. It loads no library and mounts no route, so the supervisor uses it directly (recovery
/// before the first generation, after a worker's death, and quarantine); ``AddonManager`` uses it
/// for the changes a worker runs and adds in-process activation on top.
public final class HomeEngine: Sendable {
    let home: BerthHome
    let backend: any AddonDataBackend
    let registryStore: RegistryStore
    let journal: OperationJournal
    let lock: MutationLock
    let unfinished: UnfinishedChanges
    let servingLock: ServingLock
    let auditLog: AuditLog
    let logger: Logger

    /// Opens the home's state; nothing is read or changed until a method runs.
    public init(home: BerthHome, backend: any AddonDataBackend, logger: Logger) throws {
        try LifecycleDeadlines.validate(ProcessInfo.processInfo.environment)
        self.home = home
        self.backend = backend
        self.logger = logger
        registryStore = RegistryStore(path: home.registryFile)
        journal = OperationJournal(path: home.journalFile)
        lock = MutationLock(path: home.lockFile)
        unfinished = UnfinishedChanges(directory: home.stateDirectory + "/unfinished")
        servingLock = ServingLock(directory: home.stateDirectory + "/serving")
        auditLog = AuditLog(path: home.auditLogFile)
    }

    /// Before the first generation of workers: finishes or compensates an interrupted operation and
    /// clears staging debris, then runs `andThen` (the catalog's import), with the home's lock held so
    /// that no other process changes the home meanwhile.
    public func prepareHome(andThen: () -> Void = {}) throws {
        guard let release = lock.tryAcquire() else {
            throw BerthError.conflict("home_locked", "another process holds the lock of this home (\(home.relative(home.lockFile))); is another berth serving it?")
        }
        defer { release() }
        try recover()
        andThen()
    }

    /// What ``recoverInterruptedOperation()`` did.
    public enum Recovery: Sendable {
        /// Nothing to recover, or the home's lock is held (a change runs).
        case none
        /// An operation was recovered: the installed set may have changed.
        case recovered
        /// An interrupted uninstall waits until no worker serves its addon: workers that still do
        /// must be replaced by a generation without it.
        case waitingForWorkers
    }

    /// After a worker ended: if it left an operation unfinished (the journal is there and no process
    /// holds the lock), recovers it the way a restart would. Staging and spool folders are left
    /// alone, since other workers may be using them.
    public func recoverInterruptedOperation() -> Recovery {
        guard (try? journal.pending()) != nil, let release = lock.tryAcquire() else { return .none }
        defer { release() }
        do {
            guard try journal.pending() != nil else { return .none }
            try recover(removingScratch: false)
            return .recovered
        } catch let error as BerthError where error.code == "still_served" {
            return .waitingForWorkers
        } catch {
            logger.error("recovery after a worker's death failed", metadata: ["error": "\(error)"])
            return .none
        }
    }

    /// Takes addon `id` out of service: deactivated in the registry, with the reason recorded and an
    /// audit entry. Activating it again clears the record.
    /// - Returns: false if the home's lock is held by a change in progress (retry later), true once
    ///   recorded (or if the addon is no longer installed).
    public func quarantine(_ id: String, reason: String, crashes: Int) -> Bool {
        guard let release = lock.tryAcquire() else { return false }
        defer { release() }
        do {
            var registry = try registryStore.load()
            guard var entry = registry[id] else { return true }
            entry.state = .inactive
            entry.quarantine = Quarantine(reason: reason, crashes: crashes, at: ISO8601DateFormatter().string(from: Date()))
            registry[id] = entry
            try registryStore.save(registry)
            logger.warning("quarantined", metadata: ["addon": id, "reason": reason])
            auditLog.record(id: id, event: "quarantined", version: entry.version, detail: reason)
            return true
        } catch {
            logger.error("quarantine failed", metadata: ["addon": id, "error": "\(error)"])
            return false
        }
    }

    /// The migrations of this host's dialect, with their scripts read from the install folder.
    func loadMigrations(_ manifest: Manifest, installPath: String) throws -> [Migration] {
        try manifest.migrations.filter { $0.dialect == backend.dialect }.map { entry in
            func script(_ relative: String) throws -> String {
                guard let data = FileManager.default.contents(atPath: installPath + "/" + relative) else {
                    throw BerthError.unprocessable("missing_file", "migration \(entry.id) of \(manifest.id): \(relative) is missing")
                }
                return String(decoding: data, as: UTF8.self)
            }
            return Migration(id: entry.id, up: try script(entry.up), down: try script(entry.down))
        }
    }
}
