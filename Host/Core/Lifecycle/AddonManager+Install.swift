import BerthLoader
import BerthPackages
import BerthStorage
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
    /// mount → commit. Each step pushes its undo; a failure unwinds them all, so a failed install
    /// leaves no tables, no files and no registry entry.
    func install(_ request: InstallRequest) async throws -> InstallReport {
        var clock = Stopwatch()
        guard registry[request.id] == nil else {
            throw BerthError.conflict("already_installed", "addon \(request.id) is already installed (version \(registry[request.id]!.version)); uninstall it first")
        }
        guard let package = catalog.package(id: request.id, version: request.version) else {
            let versions = catalog.all().filter { $0.manifest.id == request.id }.map(\.manifest.version)
            let known = versions.isEmpty ? "the catalog has no version of it" : "the catalog has \(versions.joined(separator: ", "))"
            throw BerthError.notFound("package_not_found", "no package \(request.id) \(request.version ?? "") in the catalog: \(known)")
        }
        let manifest = package.manifest
        try checkCompatibility(manifest)
        if let holder = holder(overlapping: manifest.mountPrefix) {
            throw BerthError.conflict("prefix_conflict", "mount prefix \(manifest.mountPrefix) of \(manifest.id) overlaps the prefix held by \(holder)")
        }
        let settings = try resolveConfiguration(manifest, provided: request.config ?? [:])
        let location = home.relative(backend.location(of: manifest.id))
        if (try? backend.namespaceExists(manifest.id)) != false {
            throw BerthError.conflict("data_exists", "\(location) already exists; it is not recorded as any installed addon's data, so it is left untouched: move it away to install \(manifest.id)")
        }
        clock.lap("check")

        var undo = UndoStack()
        do {
            let installPath = try stage(package, undo: &undo)
            clock.lap("verify_and_stage")
            let libraryPath = installPath + "/" + manifest.library
            _ = try runProbe(library: libraryPath, manifest: manifest)
            clock.lap("probe")
            let migrations = try loadMigrations(manifest, installPath: installPath)
            let data = try createNamespace(manifest.id, undo: &undo)
            let applied = try runMigrations(migrations, on: data)
            clock.lap("migrate")
            let library = try loadLibrary(libraryPath, manifest: manifest)
            clock.lap("load")
            let addon = RunningAddon(
                id: manifest.id, version: manifest.version, library: library, data: data,
                permissions: manifest.permissions, settings: ConfigurationCell(values: settings, sensitiveKeys: manifest.sensitiveKeys), events: events
            )
            try await start(addon, undo: &undo)
            clock.lap("start")
            let routes = try mount(addon, prefix: manifest.mountPrefix)
            undo.push("mount") { [self] in _ = await self.unmount(manifest.id) }
            clock.lap("mount")
            let entry = RegistryEntry(
                id: manifest.id, version: manifest.version, state: .active, mountPrefix: manifest.mountPrefix,
                installPath: home.relative(installPath), library: manifest.library, database: location,
                files: try hashInstalledFiles(installPath), appliedMigrations: applied, permissions: manifest.permissions,
                configuration: settings, signer: package.signer, packageSHA256: package.archiveSHA256,
                installedAt: ISO8601DateFormatter().string(from: Date())
            )
            registry[manifest.id] = entry
            do {
                try save()
            } catch {
                registry[manifest.id] = nil
                throw error
            }
            running[manifest.id] = addon
            clock.lap("commit")
            logger.info("installed", metadata: ["addon": manifest.id, "version": manifest.version])
            await publishLifecycle("installed", id: manifest.id, version: manifest.version)
            await publishLifecycle("activated", id: manifest.id, version: manifest.version)
            return InstallReport(
                id: manifest.id, version: manifest.version, state: entry.state.rawValue, mountPrefix: manifest.mountPrefix,
                routes: routes, permissions: manifest.permissions, migrations: applied,
                configuration: ConfigurationSchema.redact(settings, sensitiveKeys: manifest.sensitiveKeys),
                timingsMilliseconds: clock.report
            )
        } catch {
            await undo.unwind()
            logger.warning("install refused", metadata: ["addon": manifest.id, "error": "\(error)"])
            throw error
        }
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
        let unknown = manifest.permissions.filter { !Permission.known.contains($0) }
        guard unknown.isEmpty else {
            throw BerthError.unprocessable("unknown_permission", "package \(manifest.id) requests unknown permissions: \(unknown.joined(separator: ", ")); known: \(Permission.known.sorted().joined(separator: ", "))")
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
    /// an install folder of its own, so the library path is new for every install.
    func stage(_ package: CatalogPackage, undo: inout UndoStack) throws -> String {
        let manifest = package.manifest
        let staging = home.stagingDirectory + "/install-\(manifest.id)-\(UUID().uuidString.prefix(8))"
        let verified: VerifiedPackage
        do {
            verified = try verifier.verify(archive: home.absolute(package.archive), stagingDirectory: staging)
        } catch let error as PackageError {
            throw BerthError(status: error.httpStatus, code: error.code, message: error.message, cause: error)
        }
        guard verified.manifest == manifest else {
            try? FileSystem.remove(staging)
            throw BerthError.unprocessable("catalog_tampered", "the catalog's archive of \(manifest.id) \(manifest.version) no longer matches what was validated at upload")
        }
        let parent = home.addonsDirectory + "/\(manifest.id)"
        let installPath = parent + "/\(manifest.version)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: staging, toPath: installPath)
        FileSystem.syncDirectory(parent)
        undo.push("stage") {
            try? FileSystem.remove(installPath)
            try? FileManager.default.removeItem(atPath: parent)
        }
        return installPath
    }

    func runProbe(library: String, manifest: Manifest) throws -> ProbeResult {
        do {
            return try probe.probe(library: library, id: manifest.id, version: manifest.version)
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
            try await addon.library.addon.start(addon.context)
        } catch {
            events.cancelAll(owner: addon.id)
            throw BerthError.unprocessable("start_failed", "addon \(addon.id) failed to start: \(error)", cause: error)
        }
        undo.push("start") { [events] in
            await addon.library.addon.stop(addon.context)
            events.cancelAll(owner: addon.id)
        }
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
