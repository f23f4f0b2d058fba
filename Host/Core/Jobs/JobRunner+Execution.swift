import BerthPackages
import Dispatch
import Foundation
import PluginAPI
import Synchronization

extension JobRunner {
    /// Starts run `id`: the addon's handler in a task of its own, cancelled at the deadline or when
    /// the addon stops, and the run's record once it returned (or once it was left after the grace).
    func start(_ id: Int64, addon: RunningAddon, job: JobDeclaration, claim: JobClaim) {
        let stopping = StopFlag()
        let limit = Duration.milliseconds(claim.deadlineAt - claim.startedAt)
        let context = JobContext(
            jobName: job.name, runID: String(id), scheduledAtMilliseconds: claim.scheduledAt, trigger: claim.trigger,
            missedRuns: claim.missedRuns, deadline: .now + limit, addon: addon.context
        )
        state.withLock { current in
            let task = Task { [self] in
                let (result, error) = await execute(addon: addon, job: job.name, context: context, limit: limit, stopping: stopping)
                do {
                    try await store.finish(run: id, result: result, error: error, finishedAt: Self.milliseconds(Date()))
                } catch {
                    logger.error("cannot record a job's run", metadata: ["addon": addon.id, "job": "\(job.name)", "run": "\(id)", "error": "\(error)"])
                }
                if result != .succeeded {
                    logger.warning("job run \(result.rawValue)", metadata: ["addon": addon.id, "job": "\(job.name)", "run": "\(id)", "error": "\(error ?? "")"])
                }
                _ = state.withLock { $0.runs.removeValue(forKey: id) }
            }
            current.runs[id] = ActiveRun(addon: addon.id, instance: addon.instance, job: job.name, task: task, stopping: stopping)
        }
    }

    /// Runs the handler until it returns, its deadline passes, or the addon stops (this task is
    /// cancelled); after a cancellation the handler has ``cancellationGrace`` to return.
    private func execute(addon: RunningAddon, job: String, context: JobContext, limit: Duration, stopping: StopFlag) async -> (JobRunResult, String?) {
        let handler = addon.library.addon
        let work = Task { try await handler.runJob(job, context: context) }
        let answer = RunAnswer()
        let expired = StopFlag()
        let grace = cancellationGrace
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>?, Never>) in
                answer.set(continuation)
                Task { answer.give(await work.result) }
                // Dispatch timers, not tasks: a handler that blocks cooperative threads must not
                // also hold back its own deadline.
                DispatchQueue.global().asyncAfter(deadline: .now() + StepDeadline.dispatchInterval(limit)) {
                    expired.set()
                    work.cancel()
                    DispatchQueue.global().asyncAfter(deadline: .now() + StepDeadline.dispatchInterval(grace)) { answer.give(nil) }
                }
                answer.onCancel = {
                    work.cancel()
                    DispatchQueue.global().asyncAfter(deadline: .now() + StepDeadline.dispatchInterval(grace)) { answer.give(nil) }
                }
            }
        } onCancel: {
            answer.cancel()
        }.map { result -> (JobRunResult, String?) in
            switch result {
            case .success: return (.succeeded, nil)
            case .failure(let error):
                if stopping.isSet { return (.cancelled, "cancelled because the addon stopped: \(Self.describe(error))") }
                if expired.isSet { return (.timedOut, "did not finish within \(limit) (timeoutSeconds): \(Self.describe(error))") }
                return (.failed, Self.describe(error))
            }
        } ?? (stopping.isSet ? .cancelled : .timedOut,
              stopping.isSet ? "cancelled because the addon stopped, and did not return within \(grace); left behind"
                             : "did not finish within \(limit) (timeoutSeconds) and did not return within \(grace) of its cancellation; left behind")
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPError: return "\(error.code): \(error.message)"
        case is CancellationError: return "cancelled"
        default: return "\(error)"
        }
    }
}

/// The first of: the handler's result, or nil when the grace after a cancellation ran out.
/// A cancellation that arrives before the continuation is set is kept and acted on when it is.
private final class RunAnswer: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<Void, any Error>?, Never>?
        var answered = false
        var cancelled = false
        var onCancel: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<Result<Void, any Error>?, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    var onCancel: (@Sendable () -> Void)? {
        get { state.withLock { $0.onCancel } }
        set {
            let runNow = state.withLock { state -> Bool in
                state.onCancel = newValue
                return state.cancelled
            }
            if runNow { newValue?() }
        }
    }

    func cancel() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            state.cancelled = true
            return state.onCancel
        }
        action?()
    }

    func give(_ result: Result<Void, any Error>?) {
        let waiting = state.withLock { state -> CheckedContinuation<Result<Void, any Error>?, Never>? in
            guard !state.answered, let continuation = state.continuation else { return nil }
            state.answered = true
            state.continuation = nil
            return continuation
        }
        waiting?.resume(returning: result)
    }
}
