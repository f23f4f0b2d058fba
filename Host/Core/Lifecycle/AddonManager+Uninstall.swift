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
        try await mutation("uninstall \(id)") {
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

    /// Unmounts (in-flight requests finish), stops, runs the down-migrations in reverse, deletes the
    /// namespace, the installed files and the registry entry, then audits what is left. Once the
    /// journal records it, an uninstall only goes forward: a crash is finished at the next start.
    ///
    /// If a down-migration fails, that migration is rolled back, the addon is started and mounted
    /// again, and the error names the migration: nothing is half removed.
    private func performUninstall(_ id: String, keepData: Bool) async throws -> UninstallReport {
        var clock = Stopwatch()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        let installPath = home.absolute(entry.installPath)
        var record = JournalRecord(operation: .uninstall, id: id, fromVersion: entry.version, step: "unmount", oldInstallPath: entry.installPath, keepData: keepData)
        try journal.write(record)

        let routes = await unmount(id)
        clock.lap("unmount")
        try advance(&record, to: "stop")
        let addon = running[id]
        var subscriptions = 0
        if let addon { subscriptions = await stop(addon) }
        services.withdrawAll(provider: id)
        subscriptions += events.cancelAll(owner: id)
        clock.lap("stop")

        var leftovers: [String] = []
        var reverted: [String] = []
        if !keepData, let data = addon?.data ?? (try? backend.namespaceExists(id) == true ? backend.openNamespace(id) : nil) {
            try advance(&record, to: "migrate_down")
            let runner = MigrationRunner(database: data)
            let ledger = (try? runner.appliedIDs()) ?? entry.appliedMigrations
            let applied = try loadMigrations(manifest, installPath: installPath).filter { ledger.contains($0.id) }
            do {
                reverted = try runner.revertAll(applied)
            } catch let error as MigrationError {
                try await restore(entry)
                journal.finish()
                throw BerthError.conflict(error.code, "uninstall of \(id) stopped, the addon is serving again: \(error.message)")
            }
            leftovers = (try? runner.userObjects()) ?? []
        }
        addon?.data.close()
        clock.lap("migrate_down")

        try advance(&record, to: "remove")
        running[id] = nil
        failures[id] = nil
        let removedData = try removeData(of: id, version: entry.version, keep: keepData)
        if !keepData { try? FileSystem.remove(home.scratchDirectory(for: id)) }
        try? FileSystem.remove(installPath)
        removeEmptyParent(of: installPath)
        try advance(&record, to: "commit")
        var next = registry
        next[id] = nil
        try registryStore.save(next)
        registry = next
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
        let parent = (installPath as NSString).deletingLastPathComponent
        if (try? FileManager.default.contentsOfDirectory(atPath: parent))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: parent)
        }
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
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: home.stagingDirectory)) ?? []
        residue += staging.filter { $0.hasPrefix("install-\(id)-") }.map { "staging folder .berth/staging/\($0)" }
        if server.routes.owners.contains(id) { residue.append("routes owned by \(id) in the routing table") }
        if running[id] != nil { residue.append("addon \(id) still registered as running") }
        let subscriptions = events.subscriptionCount(owner: id)
        if subscriptions > 0 { residue.append("\(subscriptions) event subscriptions of \(id)") }
        if FileSystem.exists(home.journalFile) { residue.append("an unfinished operation in \(home.relative(home.journalFile))") }
        return residue
    }

    /// Puts an addon whose removal stopped half-way back into service.
    private func restore(_ entry: RegistryEntry) async throws {
        guard entry.state == .active, let addon = running[entry.id] else { return }
        var undo = UndoStack()
        try await start(addon, undo: &undo)
        try mount(addon, prefix: entry.mountPrefix)
    }
}
