import BerthStorage
import Foundation

extension AddonManager {
    /// How an uninstall treats data and dependents.
    struct UninstallOptions: Sendable {
        /// Keep the addon's namespace for a later install of the same id.
        var keepData = false
        /// Uninstall the addons that depend on this one first.
        var cascade = false
    }

    /// Uninstalls `id` (and, with `cascade`, its dependents first). Refused with 409 naming the
    /// dependents otherwise.
    func uninstall(_ id: String, options: UninstallOptions = UninstallOptions()) async throws -> UninstallReport {
        try await mutation("uninstall \(id)", addon: id) {
            guard registry[id] != nil else { throw Self.notInstalled(id) }
            try services.refuseRemovalOfProviders(of: id, action: "uninstall")
            let dependents = dependents(of: id)
            if !dependents.isEmpty, !options.cascade {
                let names = dependents.map { "\($0.id) (needs \(id) \($0.range))" }.joined(separator: ", ")
                throw BerthError.conflict("has_dependents", "cannot uninstall \(id): \(names) depend on it; uninstall them first, or pass cascade=true to uninstall them with it")
            }
            var cascaded: [UninstallReport] = []
            for dependent in uninstallOrder(for: id) where dependent != id {
                cascaded.append(try await performUninstall(dependent, keepData: options.keepData))
            }
            var report = try await performUninstall(id, keepData: options.keepData)
            report.cascaded = cascaded
            return report
        }
    }

    /// Stops serving the addon everywhere, then removes its data: unmount here (in-flight requests
    /// finish) → stop → unserve (roll a generation without it and wait until no worker of any
    /// generation serves it) → down-migrations in reverse → delete the namespace, the installed files
    /// and the registry entry → audit what is left. Once the data is touched, the journal only goes
    /// forward: a crash is finished at the next start, or by the supervisor when the worker died.
    ///
    /// If the unserve step or a down-migration fails, the migrations reverted so far are applied
    /// again, the addon serves again (here and, after a roll, everywhere), and the error names the
    /// cause. If even that fails, the change is kept as unfinished (see ``UnfinishedChanges``).
    private func performUninstall(_ id: String, keepData: Bool) async throws -> UninstallReport {
        var clock = Stopwatch()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        let installPath = home.absolute(entry.installPath)
        let addon = running[id]
        let data = addon?.data
        var record = JournalRecord(operation: .uninstall, id: id, fromVersion: entry.version, step: .unmount, oldInstallPath: entry.installPath, keepData: keepData)
        record.baselineMigrations = entry.appliedMigrations
        try journal.write(record)

        let routes = await unmount(id)
        clock.lap("unmount")
        try advance(&record, to: .stop)
        var subscriptions = 0
        if let addon { subscriptions = await stop(addon) }
        services.withdrawAll(provider: id)
        subscriptions += events.cancelAll(owner: id)
        clock.lap("stop")

        try advance(&record, to: .unserve)
        let exclusive: ServingLock.Hold
        do {
            exclusive = try await stopServingEverywhere(id)
        } catch {
            try await restore(entry, record: &record, addon: addon, reapplying: [], using: installPath)
            throw error
        }
        defer { exclusive.release() }
        clock.lap("unserve")

        var leftovers: [String] = []
        var reverted: [String] = []
        if !keepData, let data = data ?? (try? backend.namespaceExists(id) == true ? backend.openNamespace(id) : nil) {
            try advance(&record, to: .migrateDown)
            let runner = MigrationRunner(database: data)
            let ledger = (try? runner.appliedIDs()) ?? entry.appliedMigrations
            let applied = try loadMigrations(manifest, installPath: installPath).filter { ledger.contains($0.id) }
            for migration in applied.reversed() {
                do {
                    reverted += try await migrating("migrate_down", addon: id, on: data) { try runner.revertAll([migration]) }
                } catch {
                    let refusal: BerthError
                    switch error {
                    case let error as MigrationError: refusal = BerthError.conflict(error.code, "uninstall of \(id) stopped, the addon is serving again: \(error.message)")
                    case let error as BerthError where error.status == 504: refusal = BerthError(status: 504, code: error.code, message: "uninstall of \(id) stopped, the addon is serving again: \(error.message)")
                    default: throw error
                    }
                    // Serving again here needs the shared hold back.
                    exclusive.release()
                    let reapply = applied.filter { reverted.contains($0.id) }
                    try await restore(entry, record: &record, addon: addon, reapplying: reapply, using: installPath)
                    throw refusal
                }
            }
            leftovers = (try? runner.userObjects()) ?? []
            if addon == nil { data.close() }
        }
        addon?.data.close()
        clock.lap("migrate_down")

        try advance(&record, to: .remove)
        markStopped(id)
        failures[id] = nil
        let removedData = try removeData(of: id, version: entry.version, keep: keepData)
        if !manifest.jobs.isEmpty { await jobs?.forget(addon: id) }
        await events.attachedOutbox?.forget(addon: id)
        if !keepData { try? FileSystem.remove(home.scratchDirectory(for: id)) }
        for file in AddonLogFile(home: home, id: id).files { try? FileSystem.remove(file) }
        health.forget(id)
        try? FileSystem.remove(installPath)
        removeEmptyParent(of: installPath)
        try advance(&record, to: .commit)
        var next = registry
        next[id] = nil
        try registryStore.save(next)
        registry = next
        FaultInjection.reach("uninstall.committed")
        servingLock.remove(id)
        journal.finish()
        clock.lap("remove")

        let residue = audit(id: id, installPath: installPath, keptData: keepData)
        clock.lap("audit")
        logger.info("uninstalled", metadata: ["addon": id, "version": entry.version, "residue": "\(residue.count)", "keptData": "\(keepData)"])
        await publishLifecycle("uninstalled", id: id, version: entry.version, detail: keepData ? "data kept at \(entry.database)" : nil)
        return UninstallReport(
            id: id, version: entry.version,
            removed: .init(
                routes: routes, migrationsReverted: reverted, database: removedData ? entry.database : nil,
                installPath: entry.installPath, files: entry.files.count, subscriptions: subscriptions, registryEntry: true
            ),
            keptData: keepData ? entry.database : nil,
            leftByDownMigrations: leftovers, residue: residue, cascaded: [], timingsMilliseconds: clock.report
        )
    }

    /// Makes every process stop serving `id`: this one lets go of it, the supervisor (if any) rolls a
    /// generation of workers that skips it (the journal names it), and the older workers finish their
    /// requests and exit; the kernel's lock on `.berth/serving/<id>.lock` says when the last is gone.
    /// - Returns: the exclusive hold, kept until the data is gone.
    private func stopServingEverywhere(_ id: String) async throws -> ServingLock.Hold {
        servingHolds.removeValue(forKey: id)?.release()
        if let changeObserver {
            rolledDuringMutation = true
            guard await changeObserver() else {
                throw BerthError(status: 504, code: "roll_timeout", message: "uninstall of \(id) stopped, the addon is serving again: the generation of workers without it did not become ready within \(LifecycleDeadlines.current.roll)")
            }
        }
        guard let hold = await servingLock.exclusive(id, within: unserveTimeout) else {
            throw BerthError(status: 504, code: "unserve_timeout", message: "uninstall of \(id) stopped, the addon is serving again: a worker still served it after \(unserveTimeout)")
        }
        return hold
    }

    /// Drops the namespace, or records it as kept.
    /// - Returns: whether data was removed.
    func removeData(of id: String, version: String, keep: Bool) throws -> Bool {
        if keep {
            try rememberKeptData(id, version: version)
            return false
        }
        forgetKeptData(id)
        do {
            return try !backend.dropNamespace(id).isEmpty
        } catch {
            throw BerthError.internalError("drop_failed", "cannot remove the data of \(id) at \(backend.location(of: id)): \(error); restart the host to finish the uninstall", cause: error)
        }
    }

    func removeEmptyParent(of installPath: String) {
        engine.removeEmptyParent(of: installPath)
    }

    /// Everything of addon `id` still present anywhere Berth keeps state: must be empty after an
    /// uninstall (the namespace is expected only when its data was kept).
    func audit(id: String, installPath: String, keptData: Bool) -> [String] {
        var residue: [String] = []
        if registry[id] != nil { residue.append("registry entry \(id) in \(home.relative(home.registryFile))") }
        if let onDisk = try? registryStore.load(), onDisk[id] != nil { residue.append("registry entry \(id) on disk") }
        if !keptData {
            residue += backend.residue(of: id)
            if FileSystem.exists(home.scratchDirectory(for: id)) { residue.append("scratch folder \(home.relative(home.scratchDirectory(for: id)))") }
        }
        let offers = services.names(of: id)
        if !offers.isEmpty { residue.append("services still offered by \(id): \(offers.joined(separator: ", "))") }
        for path in [installPath, home.addonsDirectory + "/\(id)"] where FileSystem.exists(path) {
            residue.append("file \(home.relative(path))")
        }
        for file in AddonLogFile(home: home, id: id).files where FileSystem.exists(file) {
            residue.append("log file \(home.relative(file))")
        }
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: home.stagingDirectory)) ?? []
        residue += staging.filter { $0.hasPrefix("install-\(id)-") }.map { "staging folder .berth/staging/\($0)" }
        if server.routes.owners.contains(id) { residue.append("routes owned by \(id) in the routing table") }
        residue += pageResidue(of: id)
        if running[id] != nil { residue.append("addon \(id) still registered as running") }
        let subscriptions = events.subscriptionCount(owner: id)
        if subscriptions > 0 { residue.append("\(subscriptions) event subscriptions of \(id)") }
        if FileSystem.exists(home.journalFile) { residue.append("an unfinished operation in \(home.relative(home.journalFile))") }
        return residue
    }

    /// Puts an addon whose removal stopped half-way back into service: the down-migrations already
    /// run are applied again, the addon starts and mounts here, and, if a generation without it was
    /// rolled, another one with it. What cannot be put back is kept as an unfinished change.
    private func restore(_ entry: RegistryEntry, record: inout JournalRecord, addon: RunningAddon?, reapplying reverted: [Migration], using installPath: String) async throws {
        try advance(&record, to: .restore)
        var left: [UndoStack.Failure] = []
        if !reverted.isEmpty, let data = addon?.data {
            do {
                _ = try MigrationRunner(database: data).applyAll(reverted)
            } catch {
                left.append(.init(step: "migrate_down", error: "the down-migrations \(reverted.map(\.id).joined(separator: ", ")) ran and could not be applied again: \(error)"))
            }
        }
        if left.isEmpty, entry.state == .active, let addon {
            do {
                var undo = UndoStack()
                try await start(addon, undo: &undo)
                try mount(addon, prefix: entry.mountPrefix)
                markRunning(addon)
            } catch {
                left.append(.init(step: "start", error: "\(error)"))
            }
        }
        closeJournal(record, left: left)
        if rolledDuringMutation, let changeObserver { _ = await changeObserver() }
        if !left.isEmpty, let kept = unfinished.record(of: entry.id) { throw UnfinishedChanges.blocked(kept) }
    }
}
