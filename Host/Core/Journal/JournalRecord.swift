/// The record of the one mutation in progress, written before each step so that a crash at any
/// point can be finished or compensated at the next start.
struct JournalRecord: Codable, Sendable, Hashable {
    enum Operation: String, Codable, Sendable {
        case install, uninstall, upgrade
    }

    /// The steps of the operations, in the order each runs them (the raw value is what the journal
    /// file and the fault points, `BERTH_FAULT_AT=<operation>.<step>`, say).
    /// - install: stage → probe → namespace → migrate → load → start → mount → commit → roll
    /// - upgrade: stage → probe → migrate → load → start → swap → commit → roll
    ///   (roll: with worker processes, until the generation that loads the change serves)
    /// - uninstall: unmount → stop → unserve → migrate_down → remove → commit (restore when a
    ///   down-migration or the unserve step failed and the addon is being put back)
    enum Step: String, Codable, Sendable {
        case stage, probe, namespace, migrate, load, start, mount, swap, commit, roll
        case unmount, stop, unserve, migrateDown = "migrate_down", remove, restore
    }

    /// What is being done.
    var operation: Operation
    /// The addon.
    var id: String
    /// The version installed before (upgrade, uninstall).
    var fromVersion: String?
    /// The version being installed (install, upgrade).
    var toVersion: String?
    /// The step about to run.
    var step: Step
    /// The new install folder, relative to the home (install, upgrade).
    var installPath: String?
    /// The install folder being replaced or removed, relative to the home (upgrade, uninstall).
    var oldInstallPath: String?
    /// Whether this operation created the addon's namespace (so compensation drops it).
    var createdNamespace = false
    /// The ledger of applied migrations before this operation touched it.
    var baselineMigrations: [String] = []
    /// Uninstall only: keep the addon's data.
    var keepData = false

    /// Whether the operation may have changed the migration ledger (``baselineMigrations`` is set).
    var reachedMigrations: Bool {
        ![.stage, .probe, .namespace].contains(step)
    }
}
