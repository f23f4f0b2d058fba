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
        var preparation = Stopwatch()
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
        preparation.lap("check")

        let installPath = newInstallPath(for: target)
        let draft = JournalDraft(JournalRecord(operation: .upgrade, id: id, fromVersion: entry.version, toVersion: target.version, step: .stage, installPath: home.relative(installPath), oldInstallPath: entry.installPath))
        let work = StepOutputs(UpgradeWork())
        let deadlines = LifecycleDeadlines.current
        let drainTimeout = drainTimeout
        var steps = [
            LifecycleStep(.stage, run: { [self] undo in
                try await stage(package, to: installPath, undo: &undo)
                work.lap("verify_and_stage")
            }),
            LifecycleStep(.probe) { [self] in
                _ = try await runProbe(library: installPath + "/" + target.library, manifest: target)
                work.lap("probe")
            },
            LifecycleStep(.probe, name: "migration_check", deadline: deadlines.migration) { [self] in
                let migrations = try await loadMigrations(target, installPath: installPath)
                work.update { $0.migrations = migrations }
                try await checkReversible(migrations, of: target)
                work.lap("check_migrations")
            },
            // A connection of its own: the old version keeps serving on its connection, so no
            // request's write can join a migration's transaction (and be rolled back with it).
            LifecycleStep(.probe, name: "namespace", run: { [self] undo in
                let data = try await openNamespace(id, undo: &undo)
                let baseline = try MigrationRunner(database: data).appliedIDs()
                work.update { $0.data = data }
                draft.update { $0.baselineMigrations = baseline }
            }),
            // Two bounded calls: the downgrade's reverts, then the new migrations.
            LifecycleStep(.migrate, name: "migrations", deadline: deadlines.migration * 2, run: { [self] undo in
                let state = work.value
                let data = try state.openedData()
                do {
                    let changed = try await migrate(MigrationRunner(database: data), on: data, from: oldManifest, oldInstallPath: oldInstallPath, to: state.migrations, baseline: draft.record.baselineMigrations, undo: &undo)
                    work.update { $0.changed = changed }
                } catch let error as MigrationError {
                    throw BerthError.unprocessable(error.code, error.message, cause: error)
                }
                work.lap("migrate")
            }),
            LifecycleStep(.load) { [self] in
                let library = try await loadLibrary(installPath + "/" + target.library, manifest: target)
                let addon = try await makeRunningAddon(target, library: library, data: try work.value.openedData(), configuration: settings)
                work.update { $0.addon = addon }
                work.lap("load")
            },
        ]
        if entry.state == .active {
            steps += [
                LifecycleStep(.start, deadline: deadlines.start, run: { [self] undo in
                    // The new version offers its own services; the old one's go now, not when it stops.
                    await withdrawServices(of: id)
                    try await start(try work.value.loadedAddon(), undo: &undo)
                }),
                LifecycleStep(.swap, undo: swapBack(to: old, prefix: entry.mountPrefix, draining: work, within: drainTimeout)) { [self] in
                    let routes = try await mount(try work.value.loadedAddon(), prefix: target.mountPrefix, replacing: true)
                    work.update { $0.routes = routes }
                    work.lap("start_and_swap")
                },
            ]
        }
        steps.append(LifecycleStep(.commit, run: { [self] undo in
            var next = entry
            next.version = target.version
            next.mountPrefix = target.mountPrefix
            next.installPath = home.relative(installPath)
            next.library = target.library
            next.files = try await hashInstalledFiles(installPath)
            next.appliedMigrations = try MigrationRunner(database: try work.value.openedData()).appliedIDs()
            next.permissions = target.permissions
            next.configuration = settings
            next.signer = package.signer
            next.packageSHA256 = package.archiveSHA256
            try await commit(next)
            FaultInjection.reach("upgrade.committed")
            undo.push("commit", restoringAcrossWorkers(id, previous: entry, operation: "upgrade"))
            work.lap("commit")
        }))
        if let roll = rollStep(for: draft) { steps.append(roll) }
        // Past the commit (and the roll) the old version only goes: nothing here can fail.
        steps.append(LifecycleStep(.commit, name: "retire_old") { [self] in
            await markUpgraded(try work.value.loadedAddon())
            if let old {
                _ = await old.gate.drain(timeout: drainTimeout)
                await retire(old)
                await markRetired(old)
            }
            // The replaced build's lock file goes once no process holds it (else with the uninstall).
            let oldBuild = ServingLock.buildKey(id, installPath: oldInstallPath)
            if let free = servingLock.tryExclusive(oldBuild) {
                servingLock.remove(oldBuild)
                free.release()
            }
            try? FileSystem.remove(oldInstallPath)
            work.lap("retire_old")
        })
        try await changeRunner.run(steps, draft: draft)

        let done = work.value
        logger.info(downgrade ? "downgraded" : "upgraded", metadata: ["addon": id, "from": entry.version, "to": target.version])
        await publishLifecycle(downgrade ? "downgraded" : "upgraded", id: id, version: target.version, detail: "from \(entry.version)")
        var timings = preparation.report
        timings.merge(work.timings.filter { $0.key != "total" }) { $0 + $1 }
        timings["total"] = preparation.report["total"]
        return InstallReport(
            id: id, version: target.version, state: entry.state.rawValue, mountPrefix: target.mountPrefix,
            routes: done.routes, permissions: target.permissions, migrations: done.changed, reusedData: true,
            configuration: ConfigurationSchema.redact(settings, sensitiveKeys: target.sensitiveKeys),
            timingsMilliseconds: timings
        )
    }

    /// The undo of a swap: the old version's routes again, if it was loaded here; then the
    /// requests the new version took meanwhile finish (up to `drainTimeout`) before the undo goes
    /// on to revert its migrations.
    private nonisolated func swapBack(to old: RunningAddon?, prefix: String, draining work: StepOutputs<UpgradeWork>, within drainTimeout: Duration) -> LifecycleStep.Undo? {
        guard let old else { return nil }
        return { [self] in
            _ = try? await self.mount(old, prefix: prefix, replacing: true)
            if let new = work.value.addon, await !new.gate.drain(timeout: drainTimeout) {
                self.logger.warning("requests to the new version still ran when its upgrade was undone", metadata: ["addon": new.id, "version": new.version])
            }
        }
    }

    /// The new version serves here from now on.
    private func markUpgraded(_ addon: RunningAddon) {
        markRunning(addon)
        failures[addon.id] = nil
    }

    private func withdrawServices(of id: String) {
        services.withdrawAll(provider: id)
    }

    /// Stops the version an upgrade replaced, once its requests finished.
    private func retire(_ old: RunningAddon) async {
        await jobs?.stop(addon: old.id, instance: old.instance)
        await stopWithDeadline(old)
        events.cancelAll(instance: old.instance)
        old.data.close()
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

/// What the steps of one upgrade hand on to the later ones.
private struct UpgradeWork: Sendable {
    var migrations: [Migration] = []
    var data: (any AddonDataHandle)?
    var changed: [String] = []
    var addon: RunningAddon?
    var routes: [String] = []

    func openedData() throws -> any AddonDataHandle {
        guard let data else { throw BerthError.internalError("step_order", "the upgrade's namespace step has not run") }
        return data
    }

    func loadedAddon() throws -> RunningAddon {
        guard let addon else { throw BerthError.internalError("step_order", "the upgrade's load step has not run") }
        return addon
    }
}
