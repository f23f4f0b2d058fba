import Foundation

/// What the supervisor of a multi-process host asks of the home: it never loads an addon, but it
/// recovers interrupted operations before workers start, and quarantines addons that keep crashing.
extension AddonManager {
    /// Sets the function called after every successful mutation, once the home's lock is released.
    /// A worker uses it to have the supervisor roll a new generation of workers, and returns from it
    /// once the new generation serves.
    /// The observer answers whether the new generation serves.
    public func setChangeObserver(_ observer: @escaping @Sendable () async -> Bool) {
        changeObserver = observer
    }

    /// Sets the function told the step of the change running now (nil addon: none runs).
    public func setStepObserver(_ observer: @escaping @Sendable (_ addon: String?, _ step: String) -> Void) {
        stepObserver = observer
    }

    /// Sets the function told when an addon's step ran past its deadline (its reason for the log):
    /// a worker asks the supervisor to replace it, since the addon may hold one of its threads.
    public func setStuckObserver(_ observer: @escaping @Sendable (String) -> Void) {
        stuckObserver = observer
    }

    /// Before the first generation of workers: finishes or compensates an interrupted operation,
    /// clears staging debris and imports the catalog's incoming archives, with the home's lock held so
    /// that no other process mutates the home meanwhile.
    public func prepareHome() throws {
        guard let release = lock.tryAcquire() else {
            throw BerthError.conflict("home_locked", "another process holds the lock of this home (\(home.relative(home.lockFile))); is another berth serving it?")
        }
        defer { release() }
        try recover()
        catalog.importIncoming { logger.info($0) }
        registry = try registryStore.load()
    }

    /// After a worker died: if it left an operation unfinished and no other process is mutating the
    /// home, recovers it the way a restart would. Staging and spool folders are left alone, since
    /// other workers may be using them.
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

    /// - Returns: what was done.
    public func recoverInterruptedOperation() -> Recovery {
        guard (try? journal.pending()) != nil, let release = lock.tryAcquire() else { return .none }
        defer { release() }
        do {
            registry = try registryStore.load()
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

    /// Takes addon `id` out of service: deactivated in the registry, with the reason recorded, an
    /// audit entry and a `berth.addon.quarantined` event. Activating it again clears the record.
    /// - Returns: false if the home's lock is held by a mutation in progress (retry later), true once
    ///   recorded (or if the addon is no longer installed).
    public func quarantine(_ id: String, reason: String, crashes: Int) async -> Bool {
        do {
            try await mutation("quarantine \(id)") {
                guard var entry = registry[id] else { return }
                entry.state = .inactive
                entry.quarantine = Quarantine(reason: reason, crashes: crashes, at: ISO8601DateFormatter().string(from: Date()))
                registry[id] = entry
                try save()
                logger.warning("quarantined", metadata: ["addon": id, "reason": reason])
                await publishLifecycle("quarantined", id: id, version: entry.version, detail: reason)
            }
            return true
        } catch let error as BerthError where error.code == "operation_in_progress" {
            return false
        } catch {
            logger.error("quarantine failed", metadata: ["addon": id, "error": "\(error)"])
            return false
        }
    }
}
