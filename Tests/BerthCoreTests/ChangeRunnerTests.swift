import Foundation
import PluginAPI
import Synchronization
import Testing
@testable import BerthCore

/// The runner of a change's typed steps: the journal is written before each step, a failure
/// unwinds the steps done in reverse, a failed undo keeps the change as unfinished, and a step
/// past its deadline fails the change.
struct ChangeRunnerTests {
    /// A journal and an unfinished-changes folder in a fresh folder of their own.
    final class Home: Sendable {
        let folder: String
        let journal: OperationJournal
        let unfinished: UnfinishedChanges

        init() throws {
            folder = NSTemporaryDirectory() + "berth-runner-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            journal = OperationJournal(path: folder + "/journal.json")
            unfinished = UnfinishedChanges(directory: folder + "/unfinished")
        }

        func runner(grace: Duration = .zero, expired: @escaping @Sendable (BerthError) -> Void = { _ in }) -> ChangeRunner {
            var runner = ChangeRunner(journal: journal, unfinished: unfinished, logger: Logger(label: "berth", handler: HostLogHandler(minimumLevel: .error)))
            runner.grace = grace
            runner.expired = expired
            return runner
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// What the steps and undos did, in order.
    final class Trace: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    func draft() -> JournalDraft {
        JournalDraft(JournalRecord(operation: .install, id: "notes", toVersion: "1.0.0", step: .stage))
    }

    /// A step that records that it ran and what the journal said meanwhile, and whose undo
    /// records itself (or fails).
    func step(_ journalStep: JournalRecord.Step, _ home: Home, _ trace: Trace, undoFails: Bool = false) -> LifecycleStep {
        LifecycleStep(journalStep, undo: {
            trace.add("undo \(journalStep.rawValue)")
            if undoFails { throw Refused(description: "the undo of \(journalStep.rawValue) failed") }
        }) {
            trace.add("run \(journalStep.rawValue) (journal at \((try? home.journal.pending())??.step.rawValue ?? "none"))")
        }
    }

    func failing(_ journalStep: JournalRecord.Step, _ trace: Trace) -> LifecycleStep {
        LifecycleStep(journalStep) {
            trace.add("run \(journalStep.rawValue)")
            throw Refused(description: "\(journalStep.rawValue) refused")
        }
    }

    @Test func stepsRunInOrderEachAfterItsJournalWriteAndTheJournalIsFinishedAtTheEnd() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        try await home.runner().run([step(.stage, home, trace), step(.probe, home, trace), step(.commit, home, trace)], draft: draft())
        #expect(trace.all == ["run stage (journal at stage)", "run probe (journal at probe)", "run commit (journal at commit)"])
        #expect(try home.journal.pending() == nil)
    }

    @Test func aFailingStepUnwindsTheEarlierOnesInReverseAndLeavesNoJournal() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        let steps = [step(.stage, home, trace), step(.probe, home, trace), step(.migrate, home, trace), failing(.load, trace), step(.start, home, trace)]
        await #expect(throws: Refused.self) { try await home.runner().run(steps, draft: draft()) }
        #expect(trace.all == [
            "run stage (journal at stage)", "run probe (journal at probe)", "run migrate (journal at migrate)", "run load",
            "undo migrate", "undo probe", "undo stage",
        ])
        #expect(try home.journal.pending() == nil)
        #expect(home.unfinished.record(of: "notes") == nil)
    }

    @Test func undosAStepRecordedBeforeItFailedRunToo() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        let half = LifecycleStep(.migrate, run: { undo in
            undo.push("revert") { trace.add("undo revert") }
            throw Refused(description: "the second migration failed")
        })
        await #expect(throws: Refused.self) { try await home.runner().run([step(.stage, home, trace), half], draft: draft()) }
        #expect(trace.all == ["run stage (journal at stage)", "undo revert", "undo stage"])
    }

    @Test func aFailingUndoKeepsTheChangeAsUnfinishedAndTheOtherUndosStillRun() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        let steps = [step(.stage, home, trace), step(.migrate, home, trace, undoFails: true), failing(.load, trace)]
        do {
            try await home.runner().run(steps, draft: draft())
            Issue.record("the change succeeded")
        } catch let error as BerthError {
            #expect(error.code == "undo_failed")
            #expect(error.message.contains("load refused"))
            #expect(error.message.contains("the undo of migrate failed"))
        }
        #expect(trace.all.suffix(2) == ["undo migrate", "undo stage"])
        let kept = try #require(home.unfinished.record(of: "notes"))
        #expect(kept.journal.step == .load)
        #expect(kept.left.map(\.step) == ["migrate"])
        // The main journal is free for the next change; the unfinished record blocks this addon.
        #expect(try home.journal.pending() == nil)
    }

    @Test func aStepPastItsDeadlineFailsTheChangeWithA504NamingTheStepAndTheAddon() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        let stuck = Trace()
        let hanging = LifecycleStep(.start, deadline: .milliseconds(200)) {
            trace.add("run start")
            try? await Task.sleep(for: .seconds(3600))
        }
        let started = ContinuousClock.now
        do {
            try await home.runner(expired: { stuck.add($0.code) }).run([step(.stage, home, trace), hanging], draft: draft())
            Issue.record("the change succeeded")
        } catch let error as BerthError {
            #expect(error.status == 504)
            #expect(error.code == "start_timeout")
            #expect(error.message.contains("notes"))
        }
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(trace.all.prefix(3) == ["run stage (journal at stage)", "run start", "undo stage"])
        #expect(stuck.all == ["start_timeout"])
        #expect(try home.journal.pending() == nil)
    }

    @Test func aStepThatGoesForwardKeepsTheJournalForRecoveryAndUndoesNothing() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        let forward = LifecycleStep(.remove) {
            throw ChangeRunner.GoesForward(error: Refused(description: "the disk is gone"))
        }
        await #expect(throws: Refused.self) { try await home.runner().run([step(.unmount, home, trace), forward], draft: draft()) }
        #expect(trace.all == ["run unmount (journal at unmount)"])
        #expect(try home.journal.pending()?.step == .remove)
    }

    @Test func anUnwindingThatStopsAtAFailedUndoLeavesTheEarlierStepsAloneUnderItsJournalStep() async throws {
        let home = try Home()
        defer { home.remove() }
        let trace = Trace()
        let steps = [step(.unmount, home, trace), step(.migrateDown, home, trace, undoFails: true), failing(.remove, trace)]
        var unwinding = ChangeRunner.Unwinding(journalStep: .restore, stopsAtFailedUndo: true)
        unwinding.unfinishedError = { _, kept in UnfinishedChanges.blocked(kept) }
        do {
            try await home.runner().run(steps, draft: draft(), unwinding: unwinding)
            Issue.record("the change succeeded")
        } catch let error as BerthError {
            #expect(error.code == "unfinished_change")
        }
        // The unmount is not undone: the addon is not served again on data that was not restored.
        #expect(trace.all.suffix(2) == ["run remove", "undo migrate_down"])
        let kept = try #require(home.unfinished.record(of: "notes"))
        #expect(kept.journal.step == .restore)
        #expect(try home.journal.pending() == nil)
    }
}
