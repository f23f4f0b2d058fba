import BerthStorage
import Foundation
import PluginAPI

extension ClusterNode {
    /// Installs an addon on the whole cluster: under the addon's lock, installs it here (migrations
    /// included), then records it, with its package, in the desired set, which wakes every node.
    ///
    /// A failure leaves the cluster as it was. If the desired set cannot be written, the local
    /// install is undone and the answer is 503.
    func install(_ request: AddonManager.InstallRequest) async throws -> InstallReport {
        try await adminChange("install \(request.id)") {
            try await syncCatalog(request.id)
            return try await lock.withLocks(on: [request.id]) {
                if let current = try await store.desired(request.id), await manager.registry[request.id] == nil {
                    throw BerthError.conflict("already_installed", "addon \(request.id) \(current.version) is installed in the cluster (by \(current.changedBy), generation \(current.generation)) and this node is still catching up; upgrade or uninstall it instead")
                }
                try await store.begin(ClusterIntent(id: request.id, node: nodeID, operation: .install, keepData: false))
                let report: InstallReport
                do {
                    report = try await manager.install(request)
                } catch {
                    try? await store.endIntents([request.id])
                    throw error
                }
                do {
                    FaultInjection.reach("cluster.publish")
                    try await publish(request.id)
                } catch {
                    _ = try? await manager.uninstall(request.id)
                    try? await store.endIntents([request.id])
                    throw Self.undone("install \(request.id)", error)
                }
                await reportState()
                return report
            }
        }
    }

    /// Upgrades (or, with `force`, downgrades) an addon on the whole cluster: under its lock, brings
    /// this node to the cluster's version if it lags, upgrades here (running only the new
    /// migrations), then records the new version in the desired set. If that cannot be written,
    /// this node goes back to the version it had, and the answer is 503.
    func upgrade(_ id: String, _ request: AddonManager.UpgradeRequest) async throws -> InstallReport {
        try await adminChange("upgrade \(id)") {
            try await syncCatalog(id)
            return try await lock.withLocks(on: [id]) {
                if let current = try await store.desired(id) { try await converge(on: current) }
                let before = await manager.registry[id]?.version
                try await store.begin(ClusterIntent(id: id, node: nodeID, operation: .upgrade, keepData: false))
                let report: InstallReport
                do {
                    report = try await manager.upgrade(id, request)
                } catch {
                    try? await store.endIntents([id])
                    throw error
                }
                do {
                    FaultInjection.reach("cluster.publish")
                    try await publish(id)
                } catch {
                    if let before { _ = try? await manager.upgrade(id, .init(version: before, force: true)) }
                    try? await store.endIntents([id])
                    throw Self.undone("upgrade \(id)", error)
                }
                await reportState()
                return report
            }
        }
    }

    /// Uninstalls an addon (and, with `cascade`, its dependents) from the whole cluster: under the
    /// addons' locks, withdraws them from the desired set (every node unmounts and detaches them),
    /// waits up to ``detachTimeout`` for the other live nodes to report them gone, then uninstalls
    /// here: down-migrations, schema and roles (unless the data is kept), files, registry entry.
    /// A live node that still serves one of them after that wait gets the uninstall refused
    /// (`503 cluster_busy`) and the desired rows restored, so no node loses the data under it.
    ///
    /// If the local uninstall fails (a down-migration fails), the addons still installed here go
    /// back into the desired set and every node installs them again.
    func uninstall(_ id: String, options: AddonManager.UninstallOptions) async throws -> UninstallReport {
        try await adminChange("uninstall \(id)") {
            try await syncCatalog(id)
            if await manager.registry[id] == nil, let current = try await store.desired(id) {
                // Installed in the cluster but not yet here: its down-migrations run here.
                try await apply(current)
            }
            let dependents = await manager.dependents(of: id)
            guard await manager.registry[id] != nil, dependents.isEmpty || options.cascade else {
                return try await manager.uninstall(id, options: options)
            }
            let ids = await manager.uninstallOrder(for: id)
            return try await lock.withLocks(on: ids) {
                let desired = try await store.desired()
                let withdrawn = ids.compactMap { desired[$0] }
                try await store.withdraw(ids, keepData: options.keepData, by: nodeID)
                FaultInjection.reach("cluster.withdrawn")
                let holders = await waitUntilDetached(ids)
                guard holders.isEmpty else {
                    // Removing the data under a node that still serves the addon would make it
                    // answer 500s: the uninstall is refused instead, and every node gets it back.
                    try? await store.restore(withdrawn, by: nodeID)
                    try? await store.endIntents(ids)
                    throw BerthError(status: 503, code: "cluster_busy", message: "node(s) \(holders.joined(separator: ", ")) still serve \(ids.joined(separator: ", ")) after \(detachTimeout) (busy with another change); nothing was removed, try again")
                }
                let report: UninstallReport
                do {
                    report = try await manager.uninstall(id, options: options)
                } catch {
                    // What is still installed here goes back (dependents a cascade removed first stay removed).
                    let registry = await manager.registry
                    try? await store.restore(withdrawn.filter { registry[$0.id] != nil }, by: nodeID)
                    try? await store.endIntents(ids)
                    throw error
                }
                try? await store.endIntents(ids)
                await reportState()
                return report
            }
        }
    }

    /// Shares an uploaded package with the cluster, so any node can install it. Best effort: the
    /// install through this node shares it again.
    func share(_ package: CatalogPackage) async {
        do {
            let archive = try Data(contentsOf: URL(fileURLWithPath: home.absolute(package.archive)))
            try await store.store(SharedPackage(id: package.manifest.id, version: package.manifest.version, sha256: package.archiveSHA256, archive: Array(archive)), by: nodeID)
        } catch {
            logger.warning("cluster: cannot share an uploaded package", metadata: ["addon": package.manifest.id, "version": package.manifest.version, "error": "\(error)"])
        }
    }

    /// Records the addon as installed here (version, configuration, package) in the desired set.
    private func publish(_ id: String) async throws {
        guard let entry = await manager.registry[id] else { return }
        guard let package = manager.catalog.package(id: id, version: entry.version) else {
            throw BerthError.internalError("package_missing", "the catalog of this node lost \(id) \(entry.version)")
        }
        var shared: SharedPackage?
        if try await store.packageDigest(id: id, version: entry.version) == nil {
            let archive = try Data(contentsOf: URL(fileURLWithPath: home.absolute(package.archive)))
            shared = SharedPackage(id: id, version: entry.version, sha256: package.archiveSHA256, archive: Array(archive))
        }
        let generation = try await store.publish(
            id, version: entry.version, state: entry.state.rawValue, configuration: entry.configuration,
            sha256: package.archiveSHA256, package: shared, by: nodeID
        )
        logger.info("cluster: published", metadata: ["addon": id, "version": entry.version, "generation": "\(generation)"])
    }

    /// Waits until no other live node reports `ids` installed, or ``detachTimeout`` passes.
    /// - Returns: the live nodes that still hold one of them; empty when every node detached.
    private func waitUntilDetached(_ ids: [String]) async -> [String] {
        let deadline = ContinuousClock.now + detachTimeout
        var holders: [String] = []
        repeat {
            holders = []
            for id in ids {
                holders += (try? await store.holders(of: id, except: nodeID, aliveWithin: aliveWithin)) ?? []
            }
            if holders.isEmpty { return [] }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return Set(holders).sorted()
    }

    /// The error of a change done on this node that could not be recorded for the cluster, and was
    /// undone here.
    static func undone(_ change: String, _ error: any Error) -> BerthError {
        if let error = error as? BerthError {
            return BerthError(status: error.status, code: error.code, message: "\(error.message) (\(change) was undone on this node)", cause: error)
        }
        return BerthError(status: 503, code: "cluster_unavailable", message: "cannot record \(change) in the cluster's database, so it was undone on this node: \(error)", cause: error)
    }

    /// Runs an admin change when no other cluster change runs on this node, answering 503 when the
    /// cluster's database fails.
    private func adminChange<T>(_ change: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await exclusively(body)
        } catch let error as PostgresError {
            throw BerthError(status: 503, code: "cluster_unavailable", message: "cannot \(change): the cluster's database failed: \(error)", cause: error)
        }
    }

    /// Addons this node had installed before it joined the cluster, which the cluster never saw
    /// (no desired row, no stored package, no unfinished change) and whose data is there: they are
    /// shared with the cluster rather than detached, so switching a host to cluster mode keeps what
    /// it serves.
    func shareAddonsInstalledBeforeJoining() async {
        do {
            let desired = try await store.desired()
            let intents = Set(try await store.intents().map(\.id))
            for (id, entry) in await manager.registry.sorted(by: { $0.key < $1.key }) where desired[id] == nil && !intents.contains(id) {
                guard try await store.packages(of: id).isEmpty, try backend.namespaceExists(id) else { continue }
                try await lock.withLocks(on: [id]) {
                    guard try await store.desired(id) == nil else { return }
                    try await publish(id)
                }
                logger.info("cluster: shared an addon installed before this node joined", metadata: ["addon": id, "version": entry.version])
            }
        } catch {
            logger.warning("cluster: cannot share the addons installed before this node joined", metadata: ["error": "\(error)"])
        }
    }
}
