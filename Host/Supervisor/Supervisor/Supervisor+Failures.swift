import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Crashes, deaths and quarantine.
extension Supervisor {
    /// A worker's crash guard reported a crashed handler: the worker is replaced at once and drained
    /// (its crashed thread is parked; its other requests get a short while to finish).
    func workerCrashed(_ pid: pid_t, owner: String?) async {
        guard let worker = workers[pid] else { return }
        if !worker.crashCounted {
            workers[pid]?.crashCounted = true
            await count(crashOf: owner, worker: pid)
        }
        guard worker.drain == nil, !shuttingDown else { return }
        if worker.retiring == nil, let generation = replacementGeneration(for: worker) {
            spawn(generation: generation)
        }
        workers[pid]?.retiring = "crashed"
        drain(pid, group: nextGroup(), crashed: true)
    }

    /// A worker ended. Expected if it was draining; otherwise it died: its crash is counted against
    /// the addon its slot table names, it is replaced, and an operation it left unfinished is
    /// recovered.
    func workerExited(_ pid: pid_t, status: Int32) async {
        guard let worker = workers.removeValue(forKey: pid) else { return }
        defer { close(worker.slotsDescriptor) }
        if worker.drain != nil {
            logger.info("worker exited", metadata: ["pid": "\(pid)", "generation": "\(worker.generation)", "status": ChildReaper.describe(status)])
            releaseDrainedGroups()
            if shuttingDown, workers.isEmpty { exitStatus = 0 }
            // A draining worker can still have been in the middle of a change (it answers its
            // admin request after the roll it asked for): what it left unfinished is recovered.
            if !shuttingDown { await recoverAbandonedChange() }
            return
        }
        logger.error("worker died", metadata: ["pid": "\(pid)", "generation": "\(worker.generation)", "status": ChildReaper.describe(status)])
        if !worker.crashCounted {
            await count(crashOf: WorkerLauncher.culprit(slotsDescriptor: worker.slotsDescriptor), worker: pid)
        }
        guard !shuttingDown else {
            if workers.isEmpty { exitStatus = 0 }
            return
        }
        if !worker.ready {
            failuresBeforeReady += 1
            if current == 0, failuresBeforeReady >= settings.startAttempts {
                logger.error("no worker could start: giving up", metadata: ["attempts": "\(failuresBeforeReady)"])
                FileHandle.standardError.write(Data("berth: \(SupervisorError(.workersFailed, "\(failuresBeforeReady) workers in a row died before serving; see the log above"))\n".utf8))
                shuttingDown = true
                workers.keys.forEach { kill($0, SIGKILL) }
                exitStatus = 1
                return
            }
        }
        if worker.retiring == nil, let generation = replacementGeneration(for: worker) {
            if worker.ready {
                spawn(generation: generation)
            } else {
                // Dying before serving usually repeats (a bad setting, an addon crashing in start):
                // back off up to 5 s.
                let delay = Duration.milliseconds(min(5000, 100 << min(failuresBeforeReady, 6)))
                scheduled.append((clock.now + delay, generation))
            }
        }
        if await !recoverAbandonedChange(), keeper.registryStamp() != latestStamp {
            roll(reason: "the registry changed without a roll")
        }
    }

    /// Recovers a change whose process is gone (the journal is there and the home's lock is free),
    /// and rolls a generation on the result. An uninstall's recovery waits until no worker serves
    /// the addon: it is retried at later ticks.
    /// - Returns: whether a change was recovered.
    @discardableResult
    func recoverAbandonedChange() async -> Bool {
        switch keeper.engine.recoverInterruptedOperation() {
        case .none:
            return false
        case .recovered:
            rolledForInterruptedUninstall = false
            roll(reason: "recovered an operation a worker left unfinished")
            return true
        case .waitingForWorkers:
            // Workers started from now on skip the addon (the journal names it); the ones serving it
            // drain once a new generation serves.
            if !rolledForInterruptedUninstall {
                rolledForInterruptedUninstall = true
                roll(reason: "an interrupted uninstall waits until no worker serves its addon")
            }
            return false
        }
    }

    /// Counts a crash against `owner`; past the limit within the window, the addon is quarantined.
    func count(crashOf owner: String?, worker pid: pid_t) async {
        guard let owner, owner != "berth" else {
            logger.error("a worker crashed outside any addon's handler", metadata: ["pid": "\(pid)"])
            return
        }
        observability?.table.count(.handlerCrashes, ["addon": owner])
        let crashes = ledger.record(owner, at: clock.now)
        logger.error("an addon crashed its worker", metadata: ["addon": owner, "pid": "\(pid)", "crashes": "\(crashes) of \(ledger.limit) within \(ledger.window)"])
        if crashes >= ledger.limit {
            pendingQuarantines[owner] = crashes
            await applyPendingQuarantines()
        }
    }

    /// Quarantines the addons waiting for it, unless a mutation holds the home's lock (then at a
    /// later tick), and rolls a generation without them.
    func applyPendingQuarantines() async {
        for (id, crashes) in pendingQuarantines.sorted(by: { $0.key < $1.key }) {
            let reason = "crashed its worker \(crashes) times within \(Int(ledger.window.components.seconds)) s"
            guard keeper.engine.quarantine(id, reason: reason, crashes: crashes) else { continue }
            pendingQuarantines[id] = nil
            observability?.table.count(.quarantines, ["addon": id])
            ledger.forget(id)
            roll(reason: "quarantined \(id)")
        }
    }
}
