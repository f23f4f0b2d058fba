import BerthPackages
import Foundation
import Glibc
import PluginAPI

/// The home as the supervisor of a multi-process host sees it: the registry, the journal, the
/// catalog and the database, through the ``HomeEngine`` (no addon is loaded, no route mounted).
public struct HomeKeeper: Sendable {
    /// The home.
    public let home: BerthHome
    /// Recovery and quarantine.
    public let engine: HomeEngine
    /// The catalog, whose incoming archives are imported before the first generation.
    let catalog: Catalog
    let logger: Logger
    /// The line announcing an admin token generated just now, to print once.
    public let tokenNotice: String?
    /// How many public keys are trusted.
    public let trustedKeyCount: Int

    /// Opens the home for `settings`.
    public init(settings: HostSettings, executable: String, logger: Logger) throws {
        let parts = try HomeParts(settings: settings)
        home = parts.home
        tokenNotice = parts.tokenNotice
        trustedKeyCount = parts.trustStore.keys.count
        let backend = try DataBackendFactory.make(settings: settings, home: home)
        engine = try HomeEngine(home: home, backend: backend, logger: logger)
        catalog = Catalog(home: home, verifier: PackageVerifier(trustStore: parts.trustStore))
        self.logger = logger
    }

    /// Recovers the home and imports the catalog's incoming archives, with the home's lock held.
    public func prepareHome() throws {
        try engine.prepareHome { [catalog, logger] in catalog.importIncoming { logger.info($0) } }
    }

    /// Changes whenever `addon_registry.json` is replaced (it is always written to a new file and
    /// renamed): tells whether the installed set changed since a generation of workers loaded it.
    public func registryStamp() -> String {
        var status = stat()
        guard stat(home.registryFile, &status) == 0 else { return "absent" }
        return "\(status.st_ino)-\(status.st_size)-\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }
}
