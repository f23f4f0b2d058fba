import BerthJobs
import BerthPackages
import Foundation
import PluginAPI

extension JobRunner {
    /// Sleeps until each due time of `job` and claims it, until cancelled.
    func loop(_ addon: RunningAddon, job: JobDeclaration, schedule: CronSchedule) async {
        var cursor = Date()
        do {
            if let last = try await store.lastScheduled(addon: addon.id, job: job.name) {
                cursor = Date(timeIntervalSince1970: Double(last) / 1000)
            }
        } catch {
            logger.warning("cannot read a job's last run; counting from now", metadata: ["addon": addon.id, "job": "\(job.name)", "error": "\(error)"])
        }
        while !Task.isCancelled {
            guard let (due, missed) = Self.nextDue(schedule, after: cursor, now: Date()) else {
                logger.warning("a job's schedule never fires again", metadata: ["addon": addon.id, "job": "\(job.name)"])
                return
            }
            let wait = due.timeIntervalSinceNow
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up)))) } catch { return }
            }
            cursor = due
            // Cancelled by a drain while asleep or just after: a draining process starts nothing.
            guard !Task.isCancelled, !isDraining else { return }
            do {
                _ = try await attempt(addon, job: job, scheduledAt: Self.milliseconds(due), trigger: .schedule, missed: missed)
            } catch {
                logger.error("cannot claim a job's run", metadata: ["addon": addon.id, "job": "\(job.name)", "error": "\(error)"])
                // The store is unreachable: wait a moment rather than spin, then go on with the next due time.
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
            }
        }
    }

    /// The due time to claim next after `cursor`: the first one after it if that is still to come;
    /// otherwise the latest one not after `now`, with how many earlier ones it stands for (missed
    /// runs collapse into one).
    static func nextDue(_ schedule: CronSchedule, after cursor: Date, now: Date) -> (Date, Int)? {
        guard var due = schedule.next(after: cursor) else { return nil }
        var missed = 0
        // Bounded: after a very long downtime of a very frequent job the count stops, not the host.
        while due <= now, missed < 1_000_000, let following = schedule.next(after: due), following <= now {
            due = following
            missed += 1
        }
        return (due, missed)
    }

    /// Claims one run of `job` and, if this process got it, starts it.
    /// - Returns: the claim's outcome; with `.claimed`, the run is going.
    @discardableResult
    func attempt(_ addon: RunningAddon, job: JobDeclaration, scheduledAt: Int64, trigger: JobTrigger, missed: Int) async throws -> JobClaimOutcome {
        let now = Self.milliseconds(Date())
        let timeout = Int64(job.timeoutSeconds * 1000)
        let claim = JobClaim(
            addon: addon.id, job: job.name, scheduledAt: scheduledAt, trigger: trigger, missedRuns: missed, startedAt: now,
            deadlineAt: now + timeout, worker: worker, allowOverlap: job.allowOverlap,
            staleBefore: now - Int64(cancellationGrace.components.seconds * 1000) - 5000, recordSkip: trigger == .schedule
        )
        let outcome = try await store.claim(claim)
        switch outcome {
        case .claimed(let id):
            // Stopped while claiming: the run is recorded as cancelled and never starts.
            guard !isDraining else {
                try? await store.finish(run: id, result: .cancelled, error: "the worker began draining before the run started", finishedAt: Self.milliseconds(Date()))
                return outcome
            }
            guard !Task.isCancelled, isScheduled(addon.instance) else {
                try? await store.finish(run: id, result: .cancelled, error: "the addon stopped before the run started", finishedAt: Self.milliseconds(Date()))
                return outcome
            }
            start(id, addon: addon, job: job, claim: claim)
        case .overlapping(let running) where trigger == .schedule:
            logger.warning("job run skipped: the previous one still runs", metadata: ["addon": addon.id, "job": "\(job.name)", "running": "\(running)"])
        case .overlapping, .taken:
            break
        }
        return outcome
    }

    func isScheduled(_ instance: UInt64) -> Bool {
        state.withLock { $0.scheduled[instance] != nil }
    }

    /// Claims a run of `job` now (an admin's request), as a claim of the addon's instance that
    /// ``stop(addon:instance:)`` waits for.
    func runNow(_ addon: RunningAddon, job: JobDeclaration) async throws -> JobClaimOutcome {
        let key = UUID()
        let task: Task<Result<JobClaimOutcome, any Error>?, Never>? = state.withLock { state in
            guard state.scheduled[addon.instance] != nil else { return nil }
            guard !state.draining else { return Task { nil } }
            let task = Task<Result<JobClaimOutcome, any Error>?, Never> { [self] in
                await Result(asyncCatching: { try await attempt(addon, job: job, scheduledAt: Self.milliseconds(Date()), trigger: .manual, missed: 0) })
            }
            state.scheduled[addon.instance]?.tasks[key] = Task { _ = await task.value }
            return task
        }
        guard let task else {
            throw BerthError.conflict("addon_stopping", "addon \(addon.id) is stopping; its jobs do not run")
        }
        let result = await task.value
        _ = state.withLock { $0.scheduled[addon.instance]?.tasks.removeValue(forKey: key) }
        guard let result else {
            throw BerthError(status: 503, code: "worker_draining", message: "the worker that took this request is draining and starts no job runs; send it again")
        }
        return try result.get()
    }
}

extension Result where Failure == any Error {
    init(asyncCatching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
