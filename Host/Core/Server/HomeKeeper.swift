import BerthHTTP
import Foundation
import Glibc
import PluginAPI

/// The home as the supervisor of a multi-process host sees it: the registry, the journal, the
/// catalog and the database, through an ``AddonManager`` that never loads an addon's library and
/// never mounts a route (its HTTP server is never started).
public struct HomeKeeper: Sendable {
    /// The home.
    public let home: BerthHome
    /// Recovery and quarantine (see `AddonManager+Supervision.swift`).
    public let manager: AddonManager
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
        let idle = HTTPServer(configuration: ServerConfiguration(), routes: RoutingTable())
        let backend = try DataBackendFactory.make(settings: settings, home: home)
        manager = try AddonManager(home: home, backend: backend, trustStore: parts.trustStore, server: idle, events: HostEventBus(), probeExecutable: executable, logger: logger)
    }

    /// Changes whenever `addon_registry.json` is replaced (it is always written to a new file and
    /// renamed): tells whether the installed set changed since a generation of workers loaded it.
    public func registryStamp() -> String {
        var status = stat()
        guard stat(home.registryFile, &status) == 0 else { return "absent" }
        return "\(status.st_ino)-\(status.st_size)-\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }
}
