import BerthPackages
import BerthStorage
import Foundation

/// Recovery: what a crash, a dead worker or a failed undo left is finished or compensated from the
/// journal, before anything is loaded (at start) or once the process that ran it is gone.
extension HomeEngine {
    /// Finishes or compensates the operation a crash interrupted, before anything is loaded:
    /// an install or upgrade that did not commit is undone (old state), a committed one is
    /// completed, and an uninstall always goes forward (new state).
    /// With `removingScratch` false, staging and spool folders are left alone: workers serving the
    /// home may be using them.
    /// Call it with the home's lock held.
    func recover(removingScratch: Bool = true) throws {
        defer { if removingScratch { removeStaleStaging() } }
        try recoverJournal()
        for kept in unfinished.all() {
            do {
                try finishUnfinished(kept)
            } catch {
                logger.error("an unfinished change is still not undone; changes of its addon stay blocked", metadata: ["addon": kept.journal.id, "error": "\(error)"])
            }
        }
    }

    /// Finishes the compensation of an unfinished change: an install or upgrade is undone the way
    /// crash recovery undoes it; an uninstall that was being put back gets its ledger back to what
    /// it was before.
    func finishUnfinished(_ kept: UnfinishedChanges.Record) throws {
        let record = kept.journal
        switch record.operation {
        case .install: try recoverInstall(record, registry: registryStore.load())
        case .upgrade: try recoverUpgrade(record, registry: registryStore.load())
        case .uninstall:
            if let installPath = record.oldInstallPath.map(home.absolute) {
                try reapplyMigrationsOrThrow(of: record.id, baseline: record.baselineMigrations, using: installPath)
            }
        }
        unfinished.forget(record.id)
        auditLog.record(id: record.id, event: "recovered", version: record.toVersion ?? record.fromVersion, detail: "unfinished \(record.operation.rawValue) undone")
    }

    private func recoverJournal() throws {
        guard let record = try journal.pending() else { return }
        logger.warning("recovering an interrupted operation", metadata: ["operation": record.operation.rawValue, "addon": record.id, "step": record.step.rawValue])
        let registry = try registryStore.load()
        switch record.operation {
        case .install: try recoverInstall(record, registry: registry)
        case .upgrade: try recoverUpgrade(record, registry: registry)
        case .uninstall where record.step == .restore:
            // The uninstall was being put back when it stopped: finish that, as an unfinished change.
            try unfinished.keep(record, left: [.init(step: "restore", error: "interrupted while the addon was being put back into service")])
        case .uninstall: try recoverUninstall(record)
        }
        journal.finish()
        auditLog.record(id: record.id, event: "recovered", version: record.toVersion ?? record.fromVersion, detail: "\(record.operation.rawValue) interrupted at \(record.step.rawValue)")
    }

    func recoverInstall(_ record: JournalRecord, registry: [String: RegistryEntry]) throws {
        if let entry = registry[record.id], entry.installPath == record.installPath { return }
        let installPath = record.installPath.map(home.absolute)
        if let installPath, !record.createdNamespace, record.reachedMigrations {
            revertMigrations(of: record.id, since: record.baselineMigrations, using: installPath)
        }
        if record.createdNamespace {
            _ = try backend.dropNamespace(record.id)
        }
        if let installPath {
            try FileSystem.remove(installPath)
            removeEmptyParent(of: installPath)
        }
    }

    func recoverUpgrade(_ record: JournalRecord, registry: [String: RegistryEntry]) throws {
        let newPath = record.installPath.map(home.absolute)
        let oldPath = record.oldInstallPath.map(home.absolute)
        if let entry = registry[record.id], entry.installPath == record.installPath {
            if let oldPath { try FileSystem.remove(oldPath) }
            return
        }
        if record.reachedMigrations, let newPath {
            revertMigrations(of: record.id, since: record.baselineMigrations, using: newPath)
        }
        if record.reachedMigrations, let oldPath {
            reapplyMigrations(of: record.id, baseline: record.baselineMigrations, using: oldPath)
        }
        if let newPath { try FileSystem.remove(newPath) }
    }

    private func recoverUninstall(_ record: JournalRecord) throws {
        // Workers of an older generation may still serve the addon: its data goes only once none does.
        guard let exclusive = servingLock.tryExclusive(record.id) else {
            throw BerthError.conflict("still_served", "the interrupted uninstall of \(record.id) waits until no worker serves it")
        }
        defer {
            exclusive.release()
            servingLock.removeAll(of: record.id)
        }
        let installPath = record.oldInstallPath.map(home.absolute)
        if !record.keepData {
            if let installPath { revertMigrations(of: record.id, since: [], using: installPath) }
            forgetKeptData(record.id)
            _ = try backend.dropNamespace(record.id)
            try FileSystem.remove(home.scratchDirectory(for: record.id))
        } else if let version = record.fromVersion {
            try rememberKeptData(record.id, version: version)
        }
        if let installPath {
            try FileSystem.remove(installPath)
            removeEmptyParent(of: installPath)
        }
        for file in AddonLogFile(home: home, id: record.id).files { try FileSystem.remove(file) }
        var registry = try registryStore.load()
        if registry[record.id] != nil {
            registry[record.id] = nil
            try registryStore.save(registry)
        }
    }

    /// Reverts, with the down scripts of the package in `installPath`, every applied migration not
    /// in `baseline`. Best effort: a namespace that is dropped next needs no clean downs.
    private func revertMigrations(of id: String, since baseline: [String], using installPath: String) {
        guard (try? backend.namespaceExists(id)) == true,
              let manifest = try? manifestIn(installPath),
              let migrations = try? loadMigrations(manifest, installPath: installPath),
              let data = try? backend.openNamespace(id) else { return }
        defer { data.close() }
        let runner = MigrationRunner(database: data)
        let applied = (try? runner.appliedIDs()) ?? []
        _ = try? runner.revertAll(migrations.filter { applied.contains($0.id) && !baseline.contains($0.id) })
    }

    /// Applies again, with the up scripts of the package in `installPath`, migrations of `baseline`
    /// that an interrupted downgrade had reverted.
    private func reapplyMigrations(of id: String, baseline: [String], using installPath: String) {
        guard let manifest = try? manifestIn(installPath),
              let migrations = try? loadMigrations(manifest, installPath: installPath),
              let data = try? backend.openNamespace(id) else { return }
        defer { data.close() }
        let runner = MigrationRunner(database: data)
        let applied = (try? runner.appliedIDs()) ?? []
        _ = try? runner.applyAll(migrations.filter { baseline.contains($0.id) && !applied.contains($0.id) })
    }

    /// Like ``reapplyMigrations(of:baseline:using:)``, reporting failure.
    private func reapplyMigrationsOrThrow(of id: String, baseline: [String], using installPath: String) throws {
        let manifest = try manifestIn(installPath)
        let migrations = try loadMigrations(manifest, installPath: installPath)
        let data = try backend.openNamespace(id)
        defer { data.close() }
        let runner = MigrationRunner(database: data)
        let applied = try runner.appliedIDs()
        try runner.applyAll(migrations.filter { baseline.contains($0.id) && !applied.contains($0.id) })
    }

    /// Removes the folder holding an addon's install folders once it is empty.
    func removeEmptyParent(of installPath: String) {
        let parent = (installPath as NSString).deletingLastPathComponent
        if (try? FileManager.default.contentsOfDirectory(atPath: parent))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: parent)
        }
    }

    private func manifestIn(_ installPath: String) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: installPath + "/manifest.json") else {
            throw BerthError.internalError("manifest_missing", "\(installPath)/manifest.json is missing")
        }
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    /// Staging folders are never part of a committed state: whatever is left there is debris of an
    /// interrupted verification.
    private func removeStaleStaging() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: home.stagingDirectory)) ?? [] {
            try? FileSystem.remove(home.stagingDirectory + "/" + name)
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: home.spoolDirectory)) ?? [] {
            try? FileSystem.remove(home.spoolDirectory + "/" + name)
        }
    }
}
