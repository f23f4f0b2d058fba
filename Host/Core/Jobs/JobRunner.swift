import BerthJobs
import BerthPackages
import Foundation
import PluginAPI
import Synchronization

/// Runs the jobs of the addons loaded in this process, each due run exactly once across every
/// worker and node that serves the addon.
///
/// Every process that runs an addon schedules its jobs: each job has a loop that sleeps until the
/// next due time of its ``CronSchedule`` and then asks the ``JobStore`` to claim that due time.
/// The store's unique (addon, job, due time) row is the guarantee: one process gets the claim and
/// runs the job, the others see it taken. Without `allowOverlap`, a claim made while an earlier run
/// still goes is refused and recorded as `skipped`.
///
/// A process starts from the latest due time any process claimed (or from now for a job never run),
/// so due times that passed while no process served the addon collapse into one run, of the latest
/// of them, whose ``JobContext/missedRuns`` says how many it stands for.
///
/// ``stop(addon:instance:)`` (deactivation, uninstall, shutdown) ends the loops and any claim in
/// progress, cancels the runs going here and waits for them, so a run never outlives the addon's
/// stop, and the uninstall's data removal comes after it.
final class JobRunner: Sendable {
    let store: any JobStore
    /// Names this process in the runs it records: `<node or host name>:<pid>`.
    let worker: String
    let logger: Logger
    /// How long a cancelled run may take to return before it is recorded and left behind.
    let cancellationGrace: Duration
    let state = Mutex(State())

    struct State {
        /// Per loaded instance of an addon (see ``RunningAddon/instance``).
        var scheduled: [UInt64: Scheduled] = [:]
        /// Runs going in this process, by run id.
        var runs: [Int64: ActiveRun] = [:]
        /// Set by ``stopStartingRuns()``: this process is about to go and starts no run.
        var draining = false
    }

    /// The loops of one loaded addon and the claims (manual runs) in progress for it.
    struct Scheduled {
        let addon: RunningAddon
        let jobs: [JobDeclaration]
        var tasks: [UUID: Task<Void, Never>] = [:]
    }

    struct ActiveRun {
        let addon: String
        let instance: UInt64
        let job: String
        let task: Task<Void, Never>
        let stopping: StopFlag
    }

    init(store: any JobStore, worker: String, logger: Logger, cancellationGrace: Duration = .seconds(10)) {
        self.store = store
        self.worker = worker
        self.logger = logger
        self.cancellationGrace = cancellationGrace
    }

    /// Starts the loops of `addon`'s jobs (nothing when it declares none).
    func schedule(_ addon: RunningAddon) {
        let jobs = addon.jobs
        guard !jobs.isEmpty else { return }
        state.withLock { state in
            guard state.scheduled[addon.instance] == nil, !state.draining else { return }
            var entry = Scheduled(addon: addon, jobs: jobs)
            for job in jobs {
                guard let schedule = try? CronSchedule(job.schedule, timeZone: job.timeZone) else { continue }
                let key = UUID()
                entry.tasks[key] = Task { [self] in await loop(addon, job: job, schedule: schedule) }
            }
            state.scheduled[addon.instance] = entry
        }
    }

    /// Ends the loops and claims of instance `instance` of `addon` (every instance when nil),
    /// cancels its runs going here and waits until each returned or was left after the grace.
    func stop(addon: String, instance: UInt64?) async {
        let (claimers, runs) = state.withLock { state -> ([Task<Void, Never>], [ActiveRun]) in
            let instances = state.scheduled.filter { $0.value.addon.id == addon && (instance == nil || $0.key == instance) }
            var claimers: [Task<Void, Never>] = []
            for (key, entry) in instances {
                claimers += entry.tasks.values
                state.scheduled[key] = nil
            }
            let runs = state.runs.values.filter { $0.addon == addon && (instance == nil || $0.instance == instance) }
            return (claimers, runs)
        }
        claimers.forEach { $0.cancel() }
        for claimer in claimers { await claimer.value }
        // Claims that were in progress have now registered their runs; take them too.
        let late = state.withLock { state in state.runs.values.filter { $0.addon == addon && (instance == nil || $0.instance == instance) } }
        let all = Dictionary((runs + late).map { (ObjectIdentifier($0.stopping), $0) }, uniquingKeysWith: { first, _ in first }).values
        for run in all {
            run.stopping.set()
            run.task.cancel()
        }
        for run in all { await run.task.value }
    }

    /// Makes this process start no more runs (a draining worker, about to exit): every job's loop
    /// ends now and a claim that comes back afterwards is recorded as cancelled, so the next
    /// generation's workers, which may serve another set or version of the addons, run every due
    /// time from now on. Runs going here are left to finish within their deadline; ``stop(addon:instance:)``
    /// still waits for them.
    func stopStartingRuns() {
        let loops = state.withLock { state -> [Task<Void, Never>] in
            state.draining = true
            return state.scheduled.values.flatMap { $0.tasks.values }
        }
        loops.forEach { $0.cancel() }
    }

    /// Whether ``stopStartingRuns()`` was called.
    var isDraining: Bool {
        state.withLock { $0.draining }
    }

    /// Cancels everything of `addon` without waiting (a path that removes it without stopping it).
    func abandon(addon: String) {
        state.withLock { state in
            for (key, entry) in state.scheduled where entry.addon.id == addon {
                entry.tasks.values.forEach { $0.cancel() }
                state.scheduled[key] = nil
            }
            for run in state.runs.values where run.addon == addon {
                run.stopping.set()
                run.task.cancel()
            }
        }
    }

    /// Removes the records of `addon`'s runs (its uninstall).
    func forget(addon: String) async {
        do {
            try await store.forget(addon: addon)
        } catch {
            logger.warning("cannot remove the job runs of an uninstalled addon", metadata: ["addon": addon, "error": "\(error)"])
        }
    }

    /// How many times in a row each job of `addon` failed (failed, timed out, or left by a process
    /// that died), counted back from its latest finished run to its latest success; jobs without
    /// failures are absent. For the health score.
    func failureStreaks(addon: String) async -> [String: Int] {
        guard let runs = try? await store.runs(addon: addon, job: nil, limit: 1000) else { return [:] }
        var streaks: [String: Int] = [:]
        var ended: Set<String> = []
        for run in runs where !ended.contains(run.job) {
            switch run.result {
            case .succeeded: ended.insert(run.job)
            case let result where result.isFailure: streaks[run.job, default: 0] += 1
            default: continue
            }
        }
        return streaks
    }

    /// Closes the store.
    func close() {
        store.close()
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// Set when a run is cancelled because its addon stops (not because its deadline passed).
final class StopFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
