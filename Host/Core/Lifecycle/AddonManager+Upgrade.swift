import BerthPackages
import BerthStorage
import Foundation
import PluginAPI

extension AddonManager {
    /// What an upgrade request asks for.
    struct UpgradeRequest: Decodable, Sendable {
        /// The target version; the catalog's newest when absent.
        let version: String?
        /// Allows a downgrade, which runs the down-migrations of the versions being left.
        let force: Bool?
    }

    /// Replaces the installed version with another from the catalog, keeping the data: stage →
    /// probe → migrate (only what changes) → load the new version from its own path → start →
    /// swap the routes atomically → commit → stop the old one. A failure leaves the old version
    /// serving with its data as it was; a crash is compensated at the next start.
    func upgrade(_ id: String, _ request: UpgradeRequest) async throws -> InstallReport {
        try await mutation("upgrade \(id)", addon: id) { try await performUpgrade(id, request) }
    }

    private func performUpgrade(_ id: String, _ request: UpgradeRequest) async throws -> InstallReport {
        var clock = Stopwatch()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let package = try catalogPackage(id: id, version: request.version)
        let target = package.manifest
        // In development mode a rebuilt package of the installed version reinstalls in place.
        let reinstall = DevelopmentMode.isOn && package.archiveSHA256 != entry.packageSHA256
        guard target.version != entry.version || reinstall else {
            throw BerthError.conflict("same_version", "\(id) \(entry.version) is already installed" + (DevelopmentMode.isOn ? " from this very package" : "; a changed package needs a new version (a host started with BERTH_DEV_MODE=1 reinstalls it in place)"))
        }
        let downgrade = SemanticVersion.precedes(target.version, entry.version)
        if downgrade, request.force != true {
            throw BerthError.conflict("downgrade_refused", "\(target.version) is older than the installed \(entry.version); a downgrade runs the down-migrations of \(entry.version) and loses what they drop: pass \"force\": true to do it")
        }
        try checkCompatibility(target)
        if let holder = holder(overlapping: target.mountPrefix, except: id) {
            throw BerthError.conflict("prefix_conflict", "mount prefix \(target.mountPrefix) of \(id) \(target.version) overlaps the prefix held by \(holder)")
        }
        try checkDependencies(of: target)
        let broken = dependents(of: id).filter { !VersionRange.contains($0.range, target.version) }
        guard broken.isEmpty else {
            let names = broken.map { "\($0.id) needs \(id) \($0.range)" }.joined(separator: ", ")
            throw BerthError.conflict("breaks_dependents", "\(id) \(target.version) would break its dependents: \(names)")
        }
        let schemaKeys = Set(ConfigurationSchema(target.configSchema).propertyNames)
        let settings = try resolveConfiguration(target, provided: entry.configuration.filter { schemaKeys.contains($0.key) })
        let oldManifest = try installedManifest(entry)
        let oldInstallPath = home.absolute(entry.installPath)
        let old = running[id]
        clock.lap("check")

        let installPath = newInstallPath(for: target)
        var record = JournalRecord(operation: .upgrade, id: id, fromVersion: entry.version, toVersion: target.version, step: .stage, installPath: home.relative(installPath), oldInstallPath: entry.installPath)
        try journal.write(record)
        var undo = UndoStack()
        do {
            try stage(package, to: installPath, undo: &undo)
            clock.lap("verify_and_stage")
            try advance(&record, to: .probe)
            _ = try await runProbe(library: installPath + "/" + target.library, manifest: target)
            clock.lap("probe")
            let migrations = try loadMigrations(target, installPath: installPath)
            try await checkReversible(migrations, of: target)
            clock.lap("check_migrations")

            // A connection of its own: the old version keeps serving on its connection, so no
            // request's write can join a migration's transaction (and be rolled back with it).
            let data = try openNamespace(id, undo: &undo)
            let runner = MigrationRunner(database: data)
            record.baselineMigrations = try runner.appliedIDs()
            try advance(&record, to: .migrate)
            let changed: [String]
            do {
                changed = try await migrate(runner, on: data, from: oldManifest, oldInstallPath: oldInstallPath, to: migrations, baseline: record.baselineMigrations, undo: &undo)
            } catch let error as MigrationError {
                throw BerthError.unprocessable(error.code, error.message, cause: error)
            }
            clock.lap("migrate")

            try advance(&record, to: .load)
            let library = try loadLibrary(installPath + "/" + target.library, manifest: target)
            let addon = try makeRunningAddon(target, library: library, data: data, configuration: settings)
            clock.lap("load")
            var routes: [String] = []
            if entry.state == .active {
                try advance(&record, to: .start)
                // The new version offers its own services; the old one's go now, not when it stops.
                services.withdrawAll(provider: id)
                try await start(addon, undo: &undo)
                try advance(&record, to: .swap)
                routes = try mount(addon, prefix: target.mountPrefix, replacing: true)
                if let old {
                    undo.push("swap") { [self] in _ = try? await self.mount(old, prefix: entry.mountPrefix, replacing: true) }
                }
            }
            clock.lap("start_and_swap")

            try advance(&record, to: .commit)
            var next = entry
            next.version = target.version
            next.mountPrefix = target.mountPrefix
            next.installPath = home.relative(installPath)
            next.library = target.library
            next.files = try hashInstalledFiles(installPath)
            next.appliedMigrations = try runner.appliedIDs()
            next.permissions = target.permissions
            next.configuration = settings
            next.signer = package.signer
            next.packageSHA256 = package.archiveSHA256
            try commit(next)
            FaultInjection.reach("upgrade.committed")
            try await rollCarrying(&record, previous: entry, undo: &undo)
            markRunning(addon)
            failures[id] = nil
            clock.lap("commit")

            if let old {
                _ = await old.gate.drain(timeout: drainTimeout)
                await jobs?.stop(addon: id, instance: old.instance)
                await stopWithDeadline(old)
                events.cancelAll(instance: old.instance)
                old.data.close()
            }
            try? FileSystem.remove(oldInstallPath)
            journal.finish()
            clock.lap("retire_old")
            logger.info(downgrade ? "downgraded" : "upgraded", metadata: ["addon": id, "from": entry.version, "to": target.version])
            await publishLifecycle(downgrade ? "downgraded" : "upgraded", id: id, version: target.version, detail: "from \(entry.version)")
            return InstallReport(
                id: id, version: target.version, state: next.state.rawValue, mountPrefix: target.mountPrefix,
                routes: routes, permissions: target.permissions, migrations: changed, reusedData: true,
                configuration: ConfigurationSchema.redact(settings, sensitiveKeys: target.sensitiveKeys),
                timingsMilliseconds: clock.report
            )
        } catch {
            let left = await undo.unwind()
            closeJournal(record, left: left)
            if !left.isEmpty, let kept = unfinished.record(of: record.id) {
                logger.error("upgrade failed and could not be fully undone", metadata: ["addon": record.id, "error": "\(error)"])
                throw BerthError.internalError("undo_failed", "\(error); then undoing it failed, and the change is kept as unfinished. \(UnfinishedChanges.blocked(kept).message)", cause: error)
            }
            logger.warning("upgrade refused", metadata: ["addon": id, "to": target.version, "error": "\(error)"])
            throw error
        }
    }

    /// Brings the ledger from `baseline` to the target's migrations: applies the new ones, and on a
    /// downgrade reverts, with the old package's down scripts, those the target does not ship.
    /// - Returns: the ids applied (`+id`) and reverted (`-id`).
    private func migrate(_ runner: MigrationRunner, on data: any AddonDataHandle, from oldManifest: Manifest, oldInstallPath: String, to migrations: [Migration],
                         baseline: [String], undo: inout UndoStack) async throws -> [String] {
        let targetIDs = Set(migrations.map(\.id))
        let leaving = try loadMigrations(oldManifest, installPath: oldInstallPath).filter { baseline.contains($0.id) && !targetIDs.contains($0.id) }
        let id = oldManifest.id
        do {
            let reverted = try await migrating("migrations", addon: id, on: data) { try runner.revertAll(leaving) }
            undo.push("revert") { _ = try runner.applyAll(leaving) }
            let pending = migrations.filter { !baseline.contains($0.id) }
            let applied = try await migrating("migrations", addon: id, on: data) { try runner.applyAll(pending) }
            undo.push("apply") { _ = try runner.revertAll(pending) }
            return applied.map { "+" + $0 } + reverted.map { "-" + $0 }
        } catch let error as MigrationError {
            throw BerthError.unprocessable(error.code, error.message, cause: error)
        }
    }
}
