import BerthStorage
import Foundation

extension ClusterNode {
    /// Brings this node to the desired set: detaches what left it (dependents first), finishes what
    /// a stopped node left half-done, installs or upgrades what changed (dependencies first), then
    /// reports what the node runs.
    func reconcile() async {
        await exclusively {
            do {
                try await reconcilePass()
            } catch {
                logger.warning("cluster reconcile failed; retried at the next notification or tick", metadata: ["error": "\(error)"])
            }
            await reportState()
        }
    }

    private func reconcilePass() async throws {
        let generation = try await store.generation()
        lastPassGeneration = generation
        let desired = try await store.desired()
        var converged = true

        for id in await manager.registry.keys.sorted() where desired[id] == nil {
            // An earlier removal may have cascaded to it already.
            guard await manager.registry[id] != nil else { continue }
            do {
                try await detach(id)
            } catch {
                converged = false
                logger.warning("cluster: cannot remove an addon the cluster no longer has", metadata: ["addon": id, "error": "\(error)"])
            }
        }

        do {
            try await finishAbandonedChanges()
        } catch {
            converged = false
            logger.warning("cluster: cannot finish an abandoned change", metadata: ["error": "\(error)"])
        }

        installFailures = installFailures.filter { desired[$0.key]?.version == $0.value.version }
        let registry = await manager.registry
        var pending = desired.values.filter { registry[$0.id]?.version != $0.version }.sorted { $0.id < $1.id }
        pending.removeAll { addon in
            guard let failure = installFailures[addon.id], failure.generation == addon.generation, failure.at.duration(to: .now) < retryAfter else { return false }
            converged = false
            return true
        }
        // Repeat while something lands: an addon whose dependency was installed later in the same
        // pass succeeds on the next round.
        var errors: [String: any Error] = [:]
        while !pending.isEmpty {
            var left: [DesiredAddon] = []
            for addon in pending {
                do {
                    try await apply(addon)
                    errors[addon.id] = nil
                    installFailures[addon.id] = nil
                } catch {
                    errors[addon.id] = error
                    left.append(addon)
                }
            }
            if left.count == pending.count { break }
            pending = left
        }
        for (id, error) in errors.sorted(by: { $0.key < $1.key }) {
            converged = false
            guard let addon = desired[id] else { continue }
            logger.warning("cluster: cannot install a desired addon on this node", metadata: ["addon": id, "version": addon.version, "error": "\(error)"])
            if Self.isTransient(error) {
                Task { [weak self] in
                    try? await Task.sleep(for: .seconds(1))
                    self?.wakeups.yield()
                }
            } else {
                installFailures[id] = InstallFailure(version: addon.version, generation: addon.generation, message: "\(error)", at: .now)
            }
        }
        if converged { convergedGeneration = generation }
    }

    /// Installs or upgrades `addon` to its desired version, holding its cluster lock. The desired
    /// row is read again under the lock: if it changed meanwhile, the next pass deals with it.
    func apply(_ addon: DesiredAddon) async throws {
        try await ensurePackage(id: addon.id, version: addon.version)
        // A short wait: this node's reconcile (and so its detaching of withdrawn addons) must not
        // queue for long behind another node's change; a busy lock is retried at the next pass.
        try await lock.withLocks(on: [addon.id], wait: reconcileLockWait) {
            guard let current = try await store.desired(addon.id), current.version == addon.version else { return }
            try await converge(on: current)
        }
    }

    /// With the addon's lock held: installs `addon` if this node lacks it, upgrades (or
    /// downgrades) it if this node has another version.
    func converge(on addon: DesiredAddon) async throws {
        guard let installed = await manager.registry[addon.id] else {
            try await adopt(addon)
            return
        }
        guard installed.version != addon.version else { return }
        try await ensurePackage(id: addon.id, version: addon.version)
        _ = try await manager.upgrade(addon.id, .init(version: addon.version, force: true))
        logger.info("cluster: moved to the desired version", metadata: ["addon": addon.id, "from": installed.version, "to": addon.version, "generation": "\(addon.generation)"])
    }

    /// Installs a desired addon on this node over the data the cluster already has, the way an
    /// install reuses data kept at an uninstall: the schema is opened rather than created, the
    /// migrations the ledger already records are not run again, and a failure leaves the data as it
    /// was. Without data yet (the node that installed it lost it), the install creates it.
    private func adopt(_ addon: DesiredAddon) async throws {
        try await ensurePackage(id: addon.id, version: addon.version)
        let shared = try backend.namespaceExists(addon.id)
        if shared { try await manager.rememberKeptData(addon.id, version: addon.version) }
        do {
            _ = try await manager.install(.init(id: addon.id, version: addon.version, config: addon.configuration))
        } catch {
            if shared { await manager.forgetKeptData(addon.id) }
            throw error
        }
        logger.info("cluster: installed", metadata: ["addon": addon.id, "version": addon.version, "generation": "\(addon.generation)"])
    }

    /// Finishes changes whose node stopped half-way (see ``ClusterIntent``): an intent whose
    /// addon's lock is free belongs to no running change. An install or uninstall that left the
    /// addon out of the desired set gets its data removed (unless the uninstall kept it), after this
    /// node detached the addon; any other intent just ends, the desired set being what counts.
    private func finishAbandonedChanges() async throws {
        for intent in try await store.intents() {
            guard let held = try await lock.tryLock(intent.id) else { continue }
            do {
                if try await store.desired(intent.id) == nil {
                    if await manager.registry[intent.id] != nil { try await detach(intent.id) }
                    if !intent.keepData, intent.operation != .upgrade, try backend.namespaceExists(intent.id) {
                        let removed = try backend.dropNamespace(intent.id)
                        logger.warning("cluster: removed the data of an unfinished \(intent.operation.rawValue) by \(intent.node)", metadata: ["addon": intent.id, "removed": removed.joined(separator: ", ")])
                    }
                }
                try await store.endIntents([intent.id])
            } catch {
                await held.release()
                throw error
            }
            await held.release()
        }
    }

    /// Uninstalls `id` (and its dependents) from this node only: unmounts, stops, deletes the
    /// installed files and the registry entry, and leaves the shared data alone. The node that
    /// uninstalled it through the admin API removes the data once every node has detached it.
    func detach(_ id: String) async throws {
        let report = try await manager.uninstall(id, options: .init(keepData: true, cascade: true))
        for removed in [report.id] + report.cascaded.map(\.id) {
            await manager.forgetKeptData(removed)
        }
        logger.info("cluster: detached", metadata: ["addon": id])
    }

    /// Makes sure the local catalog has `id` at `version`, importing it from the cluster's store.
    func ensurePackage(id: String, version: String) async throws {
        if manager.catalog.package(id: id, version: version) != nil { return }
        try await importPackage(id: id, version: version)
    }

    /// Imports every version of `id` the cluster stores and the local catalog lacks.
    func syncCatalog(_ id: String) async throws {
        let local = Set(manager.catalog.all().filter { $0.manifest.id == id }.map(\.manifest.version))
        for stored in try await store.packages(of: id) where !local.contains(stored.version) {
            try await importPackage(id: id, version: stored.version)
        }
    }

    /// Copies an archive from the cluster's store into the local catalog, which verifies its
    /// signature against this node's trusted keys like any upload.
    private func importPackage(id: String, version: String) async throws {
        guard let shared = try await store.package(id: id, version: version) else {
            throw BerthError.notFound("package_not_found", "the cluster stores no package \(id) \(version)")
        }
        let path = home.stagingDirectory + "/cluster-\(UUID().uuidString.prefix(8).lowercased()).berth"
        try Data(shared.archive).write(to: URL(fileURLWithPath: path))
        defer { try? FileSystem.remove(path) }
        let (package, _) = try await manager.addPackage(archiveAt: path)
        guard package.archiveSHA256 == shared.sha256 else {
            throw BerthError.conflict("package_version_exists", "this node's catalog holds \(id) \(version) with other contents than the cluster's (sha256 \(package.archiveSHA256.prefix(12))…, cluster \(shared.sha256.prefix(12))…)")
        }
    }

    /// Writes what this node runs to `node_addons`.
    func reportState() async {
        var states = await manager.listAddons().map { summary in
            let state: NodeAddonState.State = summary.failure != nil ? .loadFailed : (summary.state == "active" ? .active : .inactive)
            return NodeAddonState(id: summary.id, version: summary.version, state: state.rawValue, error: summary.failure)
        }
        for (id, failure) in installFailures.sorted(by: { $0.key < $1.key }) where !states.contains(where: { $0.id == id }) {
            states.append(NodeAddonState(id: id, version: failure.version, state: NodeAddonState.State.installFailed.rawValue, error: failure.message))
        }
        if let last = lastReport, last.states == states, last.generation == convergedGeneration { return }
        do {
            try await store.report(node: nodeID, addons: states, generation: convergedGeneration)
            lastReport = (states, convergedGeneration)
        } catch {
            logger.warning("cluster: cannot report this node's addons", metadata: ["error": "\(error)"])
        }
    }

    /// Failures worth retrying soon: another change running on this node, or the database.
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? BerthError { return error.code == "operation_in_progress" || error.code == "cluster_busy" }
        return error is PostgresError
    }
}
