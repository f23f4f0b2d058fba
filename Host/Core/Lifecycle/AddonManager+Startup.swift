import BerthPackages
import BerthStorage
import Foundation

extension AddonManager {
    /// Validates the archives waiting in the catalog's `incoming/` folder, then loads and mounts
    /// every installed addon. An addon whose files changed since install is not loaded; the reason
    /// is kept and shown by the admin API.
    /// - Parameter recovering: false in a worker process, which only loads what the registry lists:
    ///   the supervisor recovers the home before the first generation of workers starts.
    public func startUp(recovering: Bool = true) async throws {
        if recovering {
            try recover()
            catalog.importIncoming { logger.info($0) }
        }
        // An uninstall in progress has taken its addon out of service everywhere: a worker started
        // meanwhile must not serve it again.
        let leaving = (try? journal.pending()).flatMap { $0.operation == .uninstall ? $0.id : nil }
        for entry in registry.values.sorted(by: { $0.id < $1.id }) {
            if entry.id == leaving {
                logger.info("not loaded: being uninstalled", metadata: ["addon": entry.id])
                continue
            }
            if let kept = unfinished.record(of: entry.id) {
                failures[entry.id] = UnfinishedChanges.blocked(kept).message
                logger.error("not loaded: an earlier change is unfinished", metadata: ["addon": entry.id])
                continue
            }
            do {
                let addon = try load(entry)
                markRunning(addon)
                if entry.state == .active {
                    var undo = UndoStack()
                    try await start(addon, undo: &undo)
                    try mount(addon, prefix: entry.mountPrefix)
                }
                logger.info("loaded", metadata: ["addon": entry.id, "version": entry.version, "state": entry.state.rawValue])
            } catch {
                failures[entry.id] = "\(error)"
                logger.error("not loaded", metadata: ["addon": entry.id, "error": "\(error)"])
            }
        }
    }

    /// Loads an installed addon after checking every file against the hash recorded at install.
    func load(_ entry: RegistryEntry) throws -> RunningAddon {
        let installPath = home.absolute(entry.installPath)
        for (relative, expected) in entry.files.sorted(by: { $0.key < $1.key }) {
            let path = installPath + "/" + relative
            guard let actual = try? SHA256Digest.hex(fileAt: path) else {
                throw BerthError.unprocessable("installed_file_missing", "\(home.relative(path)) of addon \(entry.id) is missing; reinstall the addon")
            }
            guard actual == expected else {
                throw BerthError.unprocessable("installed_file_changed", "\(home.relative(path)) of addon \(entry.id) changed since install (sha256 \(actual.prefix(12))…, recorded \(expected.prefix(12))…); refusing to load it")
            }
        }
        let manifest = try installedManifest(entry)
        let library = try loadLibrary(installPath + "/" + entry.library, manifest: manifest)
        guard (try? backend.namespaceExists(entry.id)) == true else {
            throw BerthError.unprocessable("data_missing", "the data of addon \(entry.id) (\(entry.database)) is missing; refusing to start it on an empty database")
        }
        let data: any AddonDataHandle
        do {
            data = try backend.openNamespace(entry.id)
        } catch {
            throw BerthError.internalError("database_unavailable", "cannot open \(entry.database): \(error)", cause: error)
        }
        return try makeRunningAddon(manifest, library: library, data: data, configuration: entry.configuration)
    }

    /// Stops every running addon, for a clean shutdown.
    public func shutDown() async {
        for addon in running.values {
            await stop(addon)
            addon.data.close()
        }
    }
}
