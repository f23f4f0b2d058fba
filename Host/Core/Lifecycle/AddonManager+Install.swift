import BerthLoader
import BerthPackages
import BerthStorage
import Dispatch
import Foundation
import PluginAPI

extension AddonManager {
    /// What an install request asks for.
    struct InstallRequest: Decodable, Sendable {
        let id: String
        let version: String?
        let config: [String: JSONValue]?
    }

    /// Installs a package from the catalog: verify → stage → probe → migrate → load → start →
    /// mount → commit. The journal records each step before it runs; each step pushes its undo, and
    /// a failure unwinds them all, so a failed install leaves no tables, no files and no registry
    /// entry. A crash is compensated at the next start (see `recover()`).
    func install(_ request: InstallRequest) async throws -> InstallReport {
        try await mutation("install \(request.id)", addon: request.id) { try await performInstall(request) }
    }

    private func performInstall(_ request: InstallRequest) async throws -> InstallReport {
        var preparation = Stopwatch()
        if let installed = registry[request.id] {
            throw BerthError.conflict("already_installed", "addon \(request.id) is already installed (version \(installed.version)); uninstall or upgrade it")
        }
        let package = try catalogPackage(id: request.id, version: request.version)
        let manifest = package.manifest
        try checkCompatibility(manifest)
        if let holder = holder(overlapping: manifest.mountPrefix) {
            throw BerthError.conflict("prefix_conflict", "mount prefix \(manifest.mountPrefix) of \(manifest.id) overlaps the prefix held by \(holder)")
        }
        try checkDependencies(of: manifest)
        let settings = try resolveConfiguration(manifest, provided: request.config ?? [:])
        let kept = keptData(manifest.id)
        let dataExists: Bool
        do {
            dataExists = try backend.namespaceExists(manifest.id)
        } catch {
            throw BerthError(status: 503, code: "database_unavailable", message: "cannot tell whether \(home.relative(backend.location(of: manifest.id))) exists: \(error)", cause: error)
        }
        if kept == nil, dataExists {
            throw BerthError.conflict("data_exists", "\(home.relative(backend.location(of: manifest.id))) already exists and is not recorded as any addon's kept data, so it is left untouched: move it away to install \(manifest.id)")
        }
        preparation.lap("check")

        let installPath = newInstallPath(for: manifest)
        let libraryPath = installPath + "/" + manifest.library
        let draft = JournalDraft(JournalRecord(operation: .install, id: manifest.id, toVersion: manifest.version, step: .stage, installPath: home.relative(installPath)))
        let work = StepOutputs(InstallWork())
        let reusing = kept != nil
        let deadlines = LifecycleDeadlines.current
        var steps = [
            LifecycleStep(.stage, run: { [self] undo in
                try await stage(package, to: installPath, undo: &undo)
                work.lap("verify_and_stage")
            }),
            LifecycleStep(.probe) { [self] in
                _ = try await runProbe(library: libraryPath, manifest: manifest)
                work.lap("probe")
            },
            LifecycleStep(.probe, name: "migration_check", deadline: deadlines.migration) { [self] in
                let migrations = try await loadMigrations(manifest, installPath: installPath)
                work.update { $0.migrations = migrations }
                try await checkReversible(migrations, of: manifest)
                work.lap("check_migrations")
                // In the journal of the next step: recovery drops a namespace this change created.
                draft.update { $0.createdNamespace = !reusing }
            },
            LifecycleStep(.namespace, run: { [self] undo in
                let data = try await reusing ? openNamespace(manifest.id, undo: &undo) : createNamespace(manifest.id, undo: &undo)
                let baseline = try MigrationRunner(database: data).appliedIDs()
                work.update { $0.data = data }
                draft.update { $0.baselineMigrations = baseline }
            }),
            LifecycleStep(.migrate, name: "migrations", deadline: deadlines.migration, run: { [self] undo in
                let state = work.value
                let data = try state.openedData()
                let pending = try await pendingMigrations(state.migrations, applied: draft.record.baselineMigrations, of: manifest)
                let applied = try await runMigrations(pending, on: data, of: manifest.id)
                work.update { $0.applied = applied }
                if reusing {
                    undo.push("migrate") { _ = try MigrationRunner(database: data).revertAll(pending) }
                }
                work.lap("migrate")
            }),
            LifecycleStep(.load) { [self] in
                let library = try await loadLibrary(libraryPath, manifest: manifest)
                work.lap("load")
                let addon = try await makeRunningAddon(manifest, library: library, data: try work.value.openedData(), configuration: settings)
                work.update { $0.addon = addon }
            },
            LifecycleStep(.start, deadline: deadlines.start, run: { [self] undo in
                try await start(try work.value.loadedAddon(), undo: &undo)
                work.lap("start")
            }),
            LifecycleStep(.mount, undo: { [self] in _ = await self.unmount(manifest.id) }) { [self] in
                let routes = try await mount(try work.value.loadedAddon(), prefix: manifest.mountPrefix)
                work.update { $0.routes = routes }
                work.lap("mount")
            },
            LifecycleStep(.commit, run: { [self] undo in
                let entry = RegistryEntry(
                    id: manifest.id, version: manifest.version, state: .active, mountPrefix: manifest.mountPrefix,
                    installPath: home.relative(installPath), library: manifest.library, database: home.relative(backend.location(of: manifest.id)),
                    files: try await hashInstalledFiles(installPath), appliedMigrations: try MigrationRunner(database: try work.value.openedData()).appliedIDs(),
                    permissions: manifest.permissions, configuration: settings, signer: package.signer, packageSHA256: package.archiveSHA256,
                    installedAt: ISO8601DateFormatter().string(from: Date())
                )
                try await commit(entry)
                FaultInjection.reach("install.committed")
                undo.push("commit", restoringAcrossWorkers(manifest.id, previous: nil, operation: "install"))
            }),
        ]
        if let roll = rollStep(for: draft) { steps.append(roll) }
        try await changeRunner.run(steps, draft: draft)

        let done = work.value
        let addon = try done.loadedAddon()
        markRunning(addon)
        forgetKeptData(manifest.id)
        work.lap("commit")
        logger.info("installed", metadata: ["addon": manifest.id, "version": manifest.version])
        await publishLifecycle("installed", id: manifest.id, version: manifest.version, detail: reusing ? "reused kept data" : nil)
        await publishLifecycle("activated", id: manifest.id, version: manifest.version)
        var timings = preparation.report
        timings.merge(work.timings.filter { $0.key != "total" }) { $0 + $1 }
        timings["total"] = preparation.report["total"]
        return InstallReport(
            id: manifest.id, version: manifest.version, state: RegistryEntry.State.active.rawValue, mountPrefix: manifest.mountPrefix,
            routes: done.routes, permissions: manifest.permissions, migrations: done.applied, reusedData: reusing,
            configuration: ConfigurationSchema.redact(settings, sensitiveKeys: manifest.sensitiveKeys),
            timingsMilliseconds: timings
        )
    }

    /// Writes `entry` to the registry; the in-memory registry changes only if the file did.
    func commit(_ entry: RegistryEntry) throws {
        var next = registry
        next[entry.id] = entry
        try registryStore.save(next)
        registry = next
    }

    /// The catalog's package, or a 404 that lists the versions the catalog has.
    func catalogPackage(id: String, version: String?) throws -> CatalogPackage {
        if let package = catalog.package(id: id, version: version) { return package }
        let versions = catalog.all().filter { $0.manifest.id == id }.map(\.manifest.version)
        let known = versions.isEmpty ? "the catalog has no version of it" : "the catalog has \(versions.joined(separator: ", "))"
        throw BerthError.notFound("package_not_found", "no package \(id) \(version ?? "") in the catalog: \(known)")
    }

    /// A folder of its own for this install, so the library path is new every time.
    func newInstallPath(for manifest: Manifest) -> String {
        home.addonsDirectory + "/\(manifest.id)/\(manifest.version)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Refuses a package built for another ABI, toolchain, architecture or PluginAPI, before any
    /// file is written; the message names the field and both values.
    func checkCompatibility(_ manifest: Manifest) throws {
        let declared = AddonDescriptor(abiVersion: manifest.abi, pluginAPIVersion: HostABI.current.pluginAPIVersion, toolchain: manifest.toolchain, architecture: manifest.architecture)
        do {
            try HostABI.current.check(declared, library: "package \(manifest.id) \(manifest.version)")
        } catch let error as LoaderError {
            throw BerthError.unprocessable(error.code, error.message, cause: error)
        }
        guard VersionRange.contains(manifest.pluginAPI, HostABI.current.pluginAPIVersion) else {
            throw BerthError.unprocessable("plugin_api_mismatch", "package \(manifest.id) \(manifest.version) needs PluginAPI \(manifest.pluginAPI); this host provides \(HostABI.current.pluginAPIVersion)")
        }
        let unknown = Permission.unknown(in: manifest.permissions)
        guard unknown.isEmpty else {
            throw BerthError.unprocessable("unknown_permission", "package \(manifest.id) requests unknown permissions: \(unknown.joined(separator: ", ")); known forms: \(Permission.forms)")
        }
        if !manifest.migrations.isEmpty, !manifest.migrations.contains(where: { $0.dialect == backend.dialect }) {
            let dialects = Set(manifest.migrations.map(\.dialect)).sorted().joined(separator: ", ")
            throw BerthError.unprocessable("missing_dialect", "package \(manifest.id) ships migrations for \(dialects) but this host's database is \(backend.dialect)")
        }
    }

    /// The configuration with the schema's defaults, or every violation.
    func resolveConfiguration(_ manifest: Manifest, provided: [String: JSONValue]) throws -> [String: JSONValue] {
        switch ConfigurationSchema(manifest.configSchema).validate(provided) {
        case .success(let values):
            return values
        case .failure(let failure):
            let summary = failure.violations.map { "\($0.pointer) \($0.message)" }.joined(separator: "; ")
            throw BerthError.unprocessable("invalid_config", "configuration of \(manifest.id) is invalid: \(summary)", cause: failure)
        }
    }

    /// Verifies the archive again (signature, every hash) into a staging folder, then moves it to
    /// `installPath`.
    func stage(_ package: CatalogPackage, to installPath: String, undo: inout UndoStack) throws {
        let manifest = package.manifest
        let staging = home.stagingDirectory + "/install-\(manifest.id)-\(UUID().uuidString.prefix(8))"
        let verified: VerifiedPackage
        do {
            verified = try verifier.verify(archive: home.absolute(package.archive), stagingDirectory: staging)
        } catch {
            throw BerthError(status: error.httpStatus, code: error.code, message: error.message, cause: error)
        }
        guard verified.manifest == manifest else {
            try? FileSystem.remove(staging)
            throw BerthError.unprocessable("catalog_tampered", "the catalog's archive of \(manifest.id) \(manifest.version) no longer matches what was validated at upload")
        }
        let parent = (installPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: staging, toPath: installPath)
        FileSystem.syncDirectory(parent)
        undo.push("stage") {
            try FileSystem.remove(installPath)
            if (try? FileManager.default.contentsOfDirectory(atPath: parent))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: parent)
            }
        }
    }

    /// Loads the library in a child process first. The wait (up to the probe's timeout for an
    /// entry that hangs) happens on a dispatch thread, never on a Swift concurrency one.
    func runProbe(library: String, manifest: Manifest) async throws -> ProbeResult {
        let probe = probe
        do {
            return try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try probe.probe(library: library, id: manifest.id, version: manifest.version) })
                }
            }
        } catch let error as LoaderError {
            throw BerthError.unprocessable(error.code, "addon \(manifest.id) \(manifest.version) was refused by the probe: \(error.message)", cause: error)
        }
    }

    func loadLibrary(_ path: String, manifest: Manifest) throws -> AddonLibrary {
        do {
            let library = try AddonLibrary.load(path: path)
            try library.requireIdentity(id: manifest.id, version: manifest.version)
            return library
        } catch let error as LoaderError {
            throw BerthError.unprocessable(error.code, error.message, cause: error)
        }
    }

    /// Calls the addon's start hook; its undo stops it and cancels its subscriptions.
    func start(_ addon: RunningAddon, undo: inout UndoStack) async throws {
        do {
            let context = addon.context
            try await StepDeadline.run("start", addon: addon.id, limit: LifecycleDeadlines.current.start) {
                try await addon.library.addon.start(context)
            }
        } catch let error as BerthError {
            events.cancelAll(instance: addon.instance)
            stuckStep(error, addon: addon.id)
            throw error
        } catch {
            events.cancelAll(instance: addon.instance)
            throw BerthError.unprocessable("start_failed", "addon \(addon.id) failed to start: \(error)", cause: error)
        }
        undo.push("start") { [self, events] in
            await self.stopWithDeadline(addon)
            events.cancelAll(instance: addon.instance)
        }
    }

    /// Calls the addon's stop hook, giving up on it after `BERTH_STOP_TIMEOUT`.
    func stopWithDeadline(_ addon: RunningAddon) async {
        let context = addon.context
        do {
            try await StepDeadline.run("stop", addon: addon.id, limit: LifecycleDeadlines.current.stop) {
                await addon.library.addon.stop(context)
            }
        } catch let error as BerthError {
            stuckStep(error, addon: addon.id)
            logger.error("stop did not finish", metadata: ["addon": addon.id, "error": "\(error)"])
        } catch {}
    }

    /// After a step that ran past its deadline: the addon may hold a thread of this process for
    /// good, so a worker asks to be replaced (see ``setStuckObserver(_:)``).
    func stuckStep(_ error: BerthError, addon: String) {
        guard error.status == 504 else { return }
        logger.error("a step of an addon ran past its deadline", metadata: ["addon": addon, "error": error.message])
        stuckObserver?("\(addon): \(error.message)")
    }

    /// SHA-256 of every installed file, relative to the install folder.
    func hashInstalledFiles(_ installPath: String) throws -> [String: String] {
        var hashes: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: installPath)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = installPath + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            hashes[relative] = try SHA256Digest.hex(fileAt: path)
        }
        return hashes
    }
}

/// What the steps of one install hand on to the later ones.
private struct InstallWork: Sendable {
    var migrations: [Migration] = []
    var data: (any AddonDataHandle)?
    var applied: [String] = []
    var addon: RunningAddon?
    var routes: [String] = []

    func openedData() throws -> any AddonDataHandle {
        guard let data else { throw BerthError.internalError("step_order", "the install's namespace step has not run") }
        return data
    }

    func loadedAddon() throws -> RunningAddon {
        guard let addon else { throw BerthError.internalError("step_order", "the install's load step has not run") }
        return addon
    }
}
