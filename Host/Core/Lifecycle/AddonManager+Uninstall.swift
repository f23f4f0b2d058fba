import BerthPackages
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

    /// Stops serving the addon everywhere, then removes its data, as the order of its steps:
    /// unmount here (in-flight requests finish) → stop → unserve (roll a generation without it and
    /// wait until no worker of any generation serves it) → down-migrations in reverse → delete the
    /// namespace, the installed files and the registry entry → audit what is left. Once the data
    /// is touched past the down-migrations, the journal only goes forward: a crash is finished at
    /// the next start, or by the supervisor when the worker died.
    ///
    /// If the unserve step or a down-migration fails, the change is put back (journal step
    /// `restore`): the migrations reverted so far are applied again, the addon serves again (here
    /// and, after a roll, everywhere), and the error names the cause. If even that fails, the
    /// change is kept as unfinished (see ``UnfinishedChanges``) and the addon is not served on data
    /// that could not be restored.
    private func performUninstall(_ id: String, keepData: Bool) async throws -> UninstallReport {
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        let installPath = home.absolute(entry.installPath)
        let addon = running[id]
        var initial = JournalRecord(operation: .uninstall, id: id, fromVersion: entry.version, step: .unmount, oldInstallPath: entry.installPath, keepData: keepData)
        initial.baselineMigrations = entry.appliedMigrations
        let draft = JournalDraft(initial)
        let work = StepOutputs(UninstallWork())
        let steps = [
            LifecycleStep(.unmount, run: { [self] undo in
                let routes = await unmount(id)
                work.update { $0.routes = routes }
                if entry.state == .active, let addon {
                    undo.push("start") { [self] in try await self.serveAgain(addon, prefix: entry.mountPrefix) }
                }
                work.lap("unmount")
            }),
            LifecycleStep(.stop) { [self] in
                let subscriptions = await stopAndWithdraw(id, addon)
                work.update { $0.subscriptions = subscriptions }
                work.lap("stop")
            },
            LifecycleStep(.unserve, deadline: LifecycleDeadlines.current.roll + unserveTimeout, run: { [self] undo in
                let exclusive = try await stopServingEverywhere(id)
                work.update { $0.exclusive = exclusive }
                // Serving again here needs the shared hold back.
                undo.push("unserve") { exclusive.release() }
                work.lap("unserve")
            }),
            // Each down-migration is bounded on its own (BERTH_MIGRATION_TIMEOUT).
            LifecycleStep(.migrateDown, name: "migrate_down", run: { [self] undo in
                if !keepData, let data = try await namespaceToRevert(id, loaded: addon?.data) {
                    try await migrateDown(id, manifest: manifest, entry: entry, installPath: installPath, on: data, work: work, undo: &undo)
                    if addon == nil { data.close() }
                }
                addon?.data.close()
                work.lap("migrate_down")
            }),
            LifecycleStep(.remove) { [self] in
                do {
                    let removedData = try await removeEverything(of: id, entry: entry, manifest: manifest, installPath: installPath, keepData: keepData)
                    work.update { $0.removedData = removedData }
                } catch {
                    throw ChangeRunner.GoesForward(error: error)
                }
            },
            LifecycleStep(.commit) { [self] in
                do {
                    try await removeFromRegistry(id)
                } catch {
                    throw ChangeRunner.GoesForward(error: error)
                }
                FaultInjection.reach("uninstall.committed")
                servingLock.removeAll(of: id)
                work.lap("remove")
            },
        ]
        var unwinding = ChangeRunner.Unwinding(journalStep: .restore, stopsAtFailedUndo: true)
        unwinding.unfinishedError = { _, kept in UnfinishedChanges.blocked(kept) }
        do {
            try await changeRunner.run(steps, draft: draft, unwinding: unwinding)
        } catch {
            // Put back everywhere: a generation with the addon again, once the journal is closed.
            if rolledDuringMutation, (try? journal.pending()) == nil, let changeObserver { _ = await changeObserver() }
            work.value.exclusive?.release()
            throw error
        }
        let done = work.value
        done.exclusive?.release()

        let residue = audit(id: id, installPath: installPath, keptData: keepData)
        work.lap("audit")
        logger.info("uninstalled", metadata: ["addon": id, "version": entry.version, "residue": "\(residue.count)", "keptData": "\(keepData)"])
        await publishLifecycle("uninstalled", id: id, version: entry.version, detail: keepData ? "data kept at \(entry.database)" : nil)
        return UninstallReport(
            id: id, version: entry.version,
            removed: .init(
                routes: done.routes, migrationsReverted: done.reverted, database: done.removedData ? entry.database : nil,
                installPath: entry.installPath, files: entry.files.count, subscriptions: done.subscriptions, registryEntry: true
            ),
            keptData: keepData ? entry.database : nil,
            leftByDownMigrations: done.leftovers, residue: residue, cascaded: [], timingsMilliseconds: work.timings
        )
    }

    /// The stop step: the addon's hooks, services and subscriptions end.
    /// - Returns: how many subscriptions ended.
    private func stopAndWithdraw(_ id: String, _ addon: RunningAddon?) async -> Int {
        var subscriptions = 0
        if let addon { subscriptions = await stop(addon) }
        services.withdrawAll(provider: id)
        return subscriptions + events.cancelAll(owner: id)
    }

    /// The namespace whose migrations the uninstall reverts: the loaded addon's, or the one on
    /// disk when the addon was not loaded here.
    private func namespaceToRevert(_ id: String, loaded: (any AddonDataHandle)?) -> (any AddonDataHandle)? {
        loaded ?? (try? backend.namespaceExists(id) == true ? backend.openNamespace(id) : nil)
    }

    /// Reverts the applied migrations, last first, each recording how it is applied again; a
    /// refusal stops the uninstall and puts the addon back, an unexpected failure goes forward.
    private func migrateDown(_ id: String, manifest: Manifest, entry: RegistryEntry, installPath: String, on data: any AddonDataHandle,
                             work: StepOutputs<UninstallWork>, undo: inout UndoStack) async throws {
        let runner = MigrationRunner(database: data)
        let ledger = (try? runner.appliedIDs()) ?? entry.appliedMigrations
        let applied = try loadMigrations(manifest, installPath: installPath).filter { ledger.contains($0.id) }
        for migration in applied.reversed() {
            do {
                let reverted = try await migrating("migrate_down", addon: id, on: data) { try runner.revertAll([migration]) }
                work.update { $0.reverted += reverted }
            } catch let error as MigrationError {
                throw BerthError.conflict(error.code, "uninstall of \(id) stopped, the addon is serving again: \(error.message)")
            } catch let error as BerthError where error.status == 504 {
                throw BerthError(status: 504, code: error.code, message: "uninstall of \(id) stopped, the addon is serving again: \(error.message)")
            } catch {
                throw ChangeRunner.GoesForward(error: error)
            }
            undo.push("migrate_down") {
                do {
                    _ = try runner.applyAll([migration])
                } catch {
                    throw BerthError.internalError("reapply_failed", "the down-migration \(migration.id) ran and could not be applied again: \(error)", cause: error)
                }
            }
        }
        let leftovers = (try? runner.userObjects()) ?? []
        work.update { $0.leftovers = leftovers }
    }

    /// The remove step: the data (unless kept), the jobs, events, scratch folder, logs, health
    /// figures and installed files of the addon.
    /// - Returns: whether data was removed.
    private func removeEverything(of id: String, entry: RegistryEntry, manifest: Manifest, installPath: String, keepData: Bool) async throws -> Bool {
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
        return removedData
    }

    /// The commit step: the registry no longer lists `id`.
    private func removeFromRegistry(_ id: String) throws {
        var next = registry
        next[id] = nil
        try registryStore.save(next)
        registry = next
    }

    /// The undo of unmount and stop: the addon starts and mounts here again, and serves.
    private func serveAgain(_ addon: RunningAddon, prefix: String) async throws {
        var undo = UndoStack()
        try await start(addon, undo: &undo)
        try mount(addon, prefix: prefix)
        markRunning(addon)
    }

    /// Makes every process stop serving `id`: this one lets go of it, the supervisor (if any) rolls a
    /// generation of workers that skips it (the journal names it), and the older workers finish their
    /// requests and exit; the kernel's lock on `.berth/serving/<id>.lock` says when the last is gone.
    /// - Returns: the exclusive hold, kept until the data is gone.
    private func stopServingEverywhere(_ id: String) async throws -> ServingLock.Hold {
        releaseServingHolds(of: id)
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
        residue += servingLock.files(of: id).map { "serving lock \(home.relative(servingLock.directory + "/" + $0))" }
        let subscriptions = events.subscriptionCount(owner: id)
        if subscriptions > 0 { residue.append("\(subscriptions) event subscriptions of \(id)") }
        if FileSystem.exists(home.journalFile) { residue.append("an unfinished operation in \(home.relative(home.journalFile))") }
        return residue
    }
}

/// What the steps of one uninstall hand on to the later ones and to its report.
private struct UninstallWork: Sendable {
    var routes: [String] = []
    var subscriptions = 0
    var exclusive: ServingLock.Hold?
    var reverted: [String] = []
    var leftovers: [String] = []
    var removedData = false
}
