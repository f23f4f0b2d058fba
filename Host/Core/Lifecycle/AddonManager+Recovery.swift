import BerthPackages
import BerthStorage
import Foundation

extension AddonManager {
    /// Finishes or compensates the operation a crash interrupted, before anything is loaded:
    /// an install or upgrade that did not commit is undone (old state), a committed one is
    /// completed, and an uninstall always goes forward (new state).
    /// With `removingScratch` false, staging and spool folders are left alone: workers serving the
    /// home may be using them.
    func recover(removingScratch: Bool = true) throws {
        defer { if removingScratch { removeStaleStaging() } }
        guard let record = try journal.pending() else { return }
        logger.warning("recovering an interrupted operation", metadata: ["operation": record.operation.rawValue, "addon": record.id, "step": record.step])
        switch record.operation {
        case .install: try recoverInstall(record)
        case .upgrade: try recoverUpgrade(record)
        case .uninstall: try recoverUninstall(record)
        }
        journal.finish()
        auditLog.record(id: record.id, event: "recovered", version: record.toVersion ?? record.fromVersion, detail: "\(record.operation.rawValue) interrupted at \(record.step)")
    }

    private func recoverInstall(_ record: JournalRecord) throws {
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

    private func recoverUpgrade(_ record: JournalRecord) throws {
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
        if registry[record.id] != nil {
            var next = registry
            next[record.id] = nil
            try registryStore.save(next)
            registry = next
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
