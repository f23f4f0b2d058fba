import BerthStorage
import Foundation

extension AddonManager {
    /// Unmounts (in-flight requests finish), stops, runs the down-migrations in reverse, deletes the
    /// database, the installed files and the registry entry, then audits what is left.
    ///
    /// If a down-migration fails, that migration is rolled back, the addon is started and mounted
    /// again, and the error names the migration: nothing is half removed.
    func uninstall(_ id: String) async throws -> UninstallReport {
        var clock = Stopwatch()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        let installPath = home.absolute(entry.installPath)

        let routes = await unmount(id)
        clock.lap("unmount")
        let addon = running[id]
        if let addon {
            await addon.library.addon.stop(addon.context)
        }
        let subscriptions = events.cancelAll(owner: id)
        clock.lap("stop")

        let connection = addon?.data ?? (try? backend.namespaceExists(id) == true ? backend.openNamespace(id) : nil)
        var leftovers: [String] = []
        var reverted: [String] = []
        if let connection {
            let applied = try loadMigrations(manifest, installPath: installPath).filter { entry.appliedMigrations.contains($0.id) }
            do {
                reverted = try MigrationRunner(database: connection).revertAll(applied)
            } catch let error as MigrationError {
                try await restore(entry)
                throw BerthError.conflict(error.code, "uninstall of \(id) stopped, the addon is serving again: \(error.message)")
            }
            leftovers = (try? connection.schemaObjects()) ?? []
            connection.close()
        }
        clock.lap("migrate_down")

        running[id] = nil
        failures[id] = nil
        let deletedDatabase: [String]
        do {
            deletedDatabase = try backend.dropNamespace(id)
        } catch {
            throw BerthError.internalError("drop_failed", "cannot remove the data of \(id) at \(entry.database): \(error); run the uninstall again", cause: error)
        }
        let fileCount = entry.files.count
        try? FileSystem.remove(installPath)
        let parent = (installPath as NSString).deletingLastPathComponent
        if (try? FileManager.default.contentsOfDirectory(atPath: parent))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: parent)
        }
        registry[id] = nil
        try save()
        clock.lap("remove")

        let residue = audit(id: id, installPath: installPath)
        clock.lap("audit")
        logger.info("uninstalled", metadata: ["addon": id, "version": entry.version, "residue": "\(residue.count)"])
        await publishLifecycle("uninstalled", id: id, version: entry.version)
        return UninstallReport(
            id: id, version: entry.version,
            removed: .init(
                routes: routes, migrationsReverted: reverted,
                database: deletedDatabase.isEmpty ? nil : entry.database,
                installPath: entry.installPath, files: fileCount, subscriptions: subscriptions, registryEntry: true
            ),
            leftByDownMigrations: leftovers, residue: residue, timingsMilliseconds: clock.report
        )
    }

    /// Everything of addon `id` still present anywhere Berth keeps state: must be empty after an
    /// uninstall.
    func audit(id: String, installPath: String) -> [String] {
        var residue: [String] = []
        if registry[id] != nil { residue.append("registry entry \(id) in \(home.relative(home.registryFile))") }
        if let onDisk = try? registryStore.load(), onDisk[id] != nil { residue.append("registry entry \(id) on disk") }
        residue += backend.residue(of: id)
        for path in [installPath, home.addonsDirectory + "/\(id)"] where FileSystem.exists(path) {
            residue.append("file \(home.relative(path))")
        }
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: home.stagingDirectory)) ?? []
        residue += staging.filter { $0.hasPrefix("install-\(id)-") }.map { "staging folder .berth/staging/\($0)" }
        if server.routes.owners.contains(id) { residue.append("routes owned by \(id) in the routing table") }
        if running[id] != nil { residue.append("addon \(id) still registered as running") }
        let subscriptions = events.subscriptionCount(owner: id)
        if subscriptions > 0 { residue.append("\(subscriptions) event subscriptions of \(id)") }
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
