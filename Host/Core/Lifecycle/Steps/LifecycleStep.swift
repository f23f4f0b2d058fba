import Synchronization

/// One step of a change of the home (install, upgrade, uninstall): the journal step written
/// before it runs, its deadline when the addon controls it, what it does, and how it is undone.
///
/// An operation is an ordered list of these, executed by ``ChangeRunner``; the order of the list
/// is the order of the change (for an uninstall: stop serving everywhere, then drop the data).
struct LifecycleStep: Sendable {
    /// A compensating action; it can fail, and then the change is kept as unfinished.
    typealias Undo = @Sendable () async throws -> Void

    /// What the journal says while the step runs (and the fault point `<operation>.<step>`).
    let journal: JournalRecord.Step
    /// The step's name in errors and in the undo records (`<name>_timeout` on expiry).
    let name: String
    /// How long the step may take, for the steps an addon controls (migrations, `start()`, the
    /// roll of a generation); nil for the host's own steps.
    let deadline: Duration?
    /// Runs the step; undos of its parts are pushed onto the stack it is given, in order.
    let run: @Sendable (inout UndoStack) async throws -> Void
    /// The step's undo, recorded once `run` succeeded.
    let undo: Undo?

    /// A step named after its journal step unless `name` says otherwise.
    init(_ journal: JournalRecord.Step, name: String? = nil, deadline: Duration? = nil, run: @escaping @Sendable (inout UndoStack) async throws -> Void, undo: Undo? = nil) {
        self.journal = journal
        self.name = name ?? journal.rawValue
        self.deadline = deadline
        self.run = run
        self.undo = undo
    }

    /// A step whose undo, if any, is given apart from what it does.
    init(_ journal: JournalRecord.Step, name: String? = nil, deadline: Duration? = nil, undo: Undo? = nil, _ run: @escaping @Sendable () async throws -> Void) {
        self.init(journal, name: name, deadline: deadline, run: { _ in try await run() }, undo: undo)
    }
}

/// The journal record of the change being run, shared by its steps: a step may add what the
/// journal must know before the next one (the migration baseline, a created namespace).
final class JournalDraft: Sendable {
    private let state: Mutex<JournalRecord>

    init(_ record: JournalRecord) {
        state = Mutex(record)
    }

    /// The record as the next journal write will store it.
    var record: JournalRecord { state.withLock { $0 } }

    /// Changes the record.
    func update(_ change: (inout JournalRecord) -> Void) {
        state.withLock { change(&$0) }
    }
}

/// What the steps of one change hand on to the later ones, and its stopwatch.
final class StepOutputs<State: Sendable>: Sendable {
    private let state: Mutex<State>
    private let stopwatch = Mutex(Stopwatch())

    init(_ initial: State) {
        state = Mutex(initial)
    }

    /// What the steps so far produced.
    var value: State { state.withLock { $0 } }

    /// Records what a step produced.
    func update(_ change: (inout State) -> Void) {
        state.withLock { change(&$0) }
    }

    /// Records the time since the previous lap under `step`.
    func lap(_ step: String) {
        stopwatch.withLock { $0.lap(step) }
    }

    /// Every lap, plus `total`.
    var timings: [String: Double] { stopwatch.withLock { $0.report } }
}
