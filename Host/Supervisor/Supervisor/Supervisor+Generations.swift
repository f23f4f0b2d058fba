import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Generations: a roll starts a full set of new workers; once they all serve, the older workers stop
/// accepting, finish their requests and exit.
extension Supervisor {
    /// Starts a new generation, which loads the registry as it is now. Workers of a generation that
    /// was still starting are superseded: they drain at once.
    func roll(reason: String) {
        guard !shuttingDown else { return }
        latest += 1
        latestStamp = keeper.registryStamp()
        logger.info("starting a generation of workers", metadata: ["generation": "\(latest)", "reason": reason])
        for _ in 0 ..< settings.workers { spawn(generation: latest) }
        let group = nextGroup()
        for (pid, worker) in workers where worker.generation > current && worker.generation < latest && worker.drain == nil {
            drain(pid, group: group)
        }
        scheduled.removeAll { $0.generation < latest && $0.generation != current }
    }

    /// Starts one worker; a failure to spawn is retried a second later.
    func spawn(generation: Int, replacing replaced: pid_t? = nil) {
        do {
            var worker = try launcher.launch(generation: generation)
            worker.replaces = replaced
            workers[worker.pid] = worker
        } catch {
            logger.error("cannot start a worker", metadata: ["error": "\(error)"])
            scheduled.append((clock.now + .seconds(1), generation))
        }
    }

    /// Once every worker of the newest generation serves, it becomes the current one and every older
    /// worker drains.
    func promoteIfReady() {
        guard latest > current else { return }
        let serving = workers.values.filter { $0.generation == latest && $0.serving }.count
        guard serving >= settings.workers else { return }
        let first = current == 0
        current = latest
        let group = nextGroup()
        for (pid, worker) in workers where worker.generation < current && worker.drain == nil {
            drain(pid, group: group)
        }
        logger.info("generation serves", metadata: ["generation": "\(current)", "workers": "\(serving)"])
        if first { FileHandle.standardOutput.write(Data(banner.utf8)) }
    }

    /// The generation a replacement of `worker` joins: its own if current or newest, none if it was
    /// superseded.
    func replacementGeneration(for worker: WorkerProcess) -> Int? {
        worker.generation == latest || worker.generation == current ? worker.generation : nil
    }

    /// SIGTERM: the worker stops accepting and finishes its requests. Workers drained together form
    /// a group that is released together (see ``releaseDrainedGroups()``).
    func drain(_ pid: pid_t, group: Int, crashed: Bool = false) {
        guard workers[pid] != nil else { return }
        let now = clock.now
        let allowance = crashed ? Duration.seconds(5) : settings.drainTimeout + .seconds(5)
        workers[pid]?.drain = WorkerProcess.Drain(group: group, since: now, killAt: now + allowance)
        kill(pid, SIGTERM)
    }

    func nextGroup() -> Int {
        groups += 1
        return groups
    }

    /// SIGUSR1 to draining workers once every worker of their group stopped accepting (or 3 s
    /// passed): a worker whose admin request caused the roll answers it only then, so the client's
    /// next request cannot reach the old installed set.
    func releaseDrainedGroups() {
        let now = clock.now
        let waiting = workers.values.filter { $0.drain != nil && !$0.released }
        for worker in waiting {
            guard let drain = worker.drain else { continue }
            let members = workers.values.filter { $0.drain?.group == drain.group }
            guard members.allSatisfy(\.quiesced) || now - drain.since > .seconds(3) else { continue }
            kill(worker.pid, SIGUSR1)
            workers[worker.pid]?.released = true
        }
    }
}
