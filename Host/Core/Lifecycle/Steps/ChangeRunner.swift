import Dispatch
import Foundation
import PluginAPI
import Synchronization

/// Runs the steps of one change of the home, in order: the journal is
/// written before each step (so a crash at any point is finished or compensated from it, and
/// `BERTH_FAULT_AT=<operation>.<step>` can kill the process there); a step with a deadline fails
/// past it; when a step fails, the undos recorded so far run in reverse, and the journal is
/// removed only once every undo succeeded (otherwise the change is kept as unfinished, see
/// ``UnfinishedChanges``, and blocks further changes of its addon).
struct ChangeRunner: Sendable {
    let journal: OperationJournal
    let unfinished: UnfinishedChanges
    let logger: Logger
    /// Told each step before it runs (a worker's crash report names it).
    var observe: @Sendable (JournalRecord) -> Void = { _ in }
    /// Told when a step ran past its deadline: the addon may keep a thread of this process.
    var expired: @Sendable (BerthError) -> Void = { _ in }
    /// How much longer than its deadline the runner lets a step run: a step that bounds its own
    /// calls (a migration interrupted, a `start()` abandoned) answers first with its own error,
    /// and its undo then never runs beside a statement still being interrupted.
    var grace: Duration = .seconds(6)

    /// How a failed change is undone.
    struct Unwinding: Sendable {
        /// Written to the journal before the undos run (an uninstall being put back: `restore`).
        var journalStep: JournalRecord.Step?
        /// The first failed undo ends the unwinding (see ``UndoStack/unwind(stoppingAtFailure:)``).
        var stopsAtFailedUndo = false
        /// The error of a change that could not be fully undone, from the step's error and the
        /// record kept of it.
        var unfinishedError: @Sendable (_ error: any Error, _ kept: UnfinishedChanges.Record) -> any Error = { error, kept in
            BerthError.internalError("undo_failed", "\(error); then undoing it failed, and the change is kept as unfinished. \(UnfinishedChanges.blocked(kept).message)", cause: error)
        }
    }

    /// A step's error that must not be undone: the change only goes forward from there, and the
    /// journal stays for recovery to finish it (an uninstall that already touched the data).
    struct GoesForward: Error {
        let error: any Error
    }

    /// Runs `steps` for `draft`'s change; once all succeeded the journal is finished.
    /// - Throws: the failing step's error once its change is undone; what `unwinding` says
    ///   (by default `500 undo_failed` naming what is left) when an undo failed; a
    ///   ``GoesForward`` step's own error with the journal left in place.
    func run(_ steps: [LifecycleStep], draft: JournalDraft, unwinding: Unwinding = Unwinding()) async throws {
        var undo = UndoStack()
        do {
            for step in steps {
                draft.update { $0.step = step.journal }
                try journal.write(draft.record)
                observe(draft.record)
                undo.push(contentsOf: try await perform(step, addon: draft.record.id))
            }
        } catch var error {
            if let partial = error as? PartialStep {
                undo.push(contentsOf: partial.undo)
                error = partial.error
            }
            if let forward = error as? GoesForward {
                logger.error("\(draft.record.operation.rawValue) stopped; the journal is kept and recovery finishes it", metadata: ["addon": draft.record.id, "step": draft.record.step.rawValue, "error": "\(forward.error)"])
                throw forward.error
            }
            if let step = unwinding.journalStep {
                draft.update { $0.step = step }
                try journal.write(draft.record)
                observe(draft.record)
            }
            let left = await undo.unwind(stoppingAtFailure: unwinding.stopsAtFailedUndo)
            let record = draft.record
            close(record, left: left)
            if !left.isEmpty, let kept = unfinished.record(of: record.id) {
                logger.error("\(record.operation.rawValue) failed and could not be fully undone", metadata: ["addon": record.id, "error": "\(error)"])
                throw unwinding.unfinishedError(error, kept)
            }
            logger.warning("\(record.operation.rawValue) refused", metadata: ["addon": record.id, "step": record.step.rawValue, "error": "\(error)"])
            throw error
        }
        journal.finish()
    }

    /// Keeps the record of a change whose undo failed, or finishes the journal if the undo
    /// completed; in both cases the main journal is free for the next change.
    func close(_ record: JournalRecord, left: [UndoStack.Failure]) {
        if !left.isEmpty {
            do {
                try unfinished.keep(record, left: left)
                logger.error("a change could not be fully undone", metadata: ["addon": record.id, "left": "\(left)"])
            } catch {
                // The journal stays: the next start compensates it.
                logger.error("cannot record an unfinished change; the journal is kept", metadata: ["addon": record.id, "error": "\(error)"])
                return
            }
        }
        journal.finish()
    }

    /// Runs one step, bounded by its deadline (plus ``grace``) if it has one.
    /// - Returns: the undos it recorded, its own last.
    private func perform(_ step: LifecycleStep, addon: String) async throws -> UndoStack {
        guard let deadline = step.deadline else { return try await Self.execute(step) }
        let answer = FirstAnswer<UndoStack>()
        let work = Task {
            do { answer.give(.success(try await Self.execute(step))) } catch { answer.give(.failure(error)) }
        }
        let expiry = StepDeadline.expired(step.name, addon: addon, after: deadline)
        DispatchQueue.global().asyncAfter(deadline: .now() + StepDeadline.dispatchInterval(deadline + grace)) {
            // The expiry answers first: the cancelled step's own error must not take its place.
            if answer.give(.failure(DeadlinePassed(error: expiry))) { work.cancel() }
        }
        do {
            return try await withCheckedThrowingContinuation { answer.wait($0) }
        } catch let passed as DeadlinePassed {
            // Abandoned: what the step did so far is left to the undos recorded before it.
            expired(passed.error)
            throw passed.error
        }
    }

    /// Runs `step`; when it fails, the undos it recorded before failing still run.
    private static func execute(_ step: LifecycleStep) async throws -> UndoStack {
        var pushed = UndoStack()
        do {
            try await step.run(&pushed)
        } catch {
            throw PartialStep(error: error, undo: pushed)
        }
        if let undo = step.undo { pushed.push(step.name, undo) }
        return pushed
    }
}

/// The runner's own deadline answered before the step.
private struct DeadlinePassed: Error {
    let error: BerthError
}

/// A step that failed after recording some undos: they join the change's and the step's error
/// is what the caller gets.
struct PartialStep: Error {
    let error: any Error
    let undo: UndoStack
}

/// A continuation resumed by the first of a step and its deadline, whichever answers first, even
/// before the caller waits.
final class FirstAnswer<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<T, any Error>)
        case answered(Result<T, any Error>)
        case done
    }

    private let state = Mutex<State>(.empty)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            guard case .answered(let result) = state else {
                state = .waiting(continuation)
                return nil
            }
            state = .done
            return result
        }
        if let early { continuation.resume(with: early) }
    }

    /// - Returns: whether this was the first answer.
    @discardableResult
    func give(_ result: Result<T, any Error>) -> Bool {
        let (first, waiting): (Bool, CheckedContinuation<T, any Error>?) = state.withLock { state in
            switch state {
            case .empty:
                state = .answered(result)
                return (true, nil)
            case .waiting(let continuation):
                state = .done
                return (true, continuation)
            case .answered, .done:
                return (false, nil)
            }
        }
        waiting?.resume(with: result)
        return first
    }
}
