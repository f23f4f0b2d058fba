import BerthHTTP
import BerthPackages
import BerthStorage
import Dispatch
import Foundation
import Glibc
import PluginAPI

/// `berth serve`: the home, the admin API, the installed addons, and the HTTP server, until SIGINT
/// or SIGTERM.
public enum BerthServer {
    /// Serves until a termination signal, then drains and returns.
    /// - Parameter executable: this binary's path, run again in `probe` mode for new addons.
    public static func serve(settings: HostSettings, executable: String) async throws {
        // Signals are caught from the first moment, so a SIGTERM during start-up is not lost.
        let termination = TerminationSignals()
        let logger = Logger(label: "berth", handler: HostLogHandler())
        let home = try BerthHome(root: settings.home)
        let (token, generated) = try AdminToken.resolve(settings: settings, home: home)
        let trustStore: TrustStore
        do {
            trustStore = try TrustStore(directory: home.trustedKeysDirectory, extraFiles: settings.trustedKeyFiles)
        } catch {
            throw BerthError(status: 500, code: "invalid_trusted_key", message: "\(error)", cause: error)
        }

        var configuration = ServerConfiguration()
        configuration.host = settings.host
        configuration.port = settings.port
        configuration.spoolDirectory = home.spoolDirectory
        if let threads = settings.threads { configuration.threads = threads }
        let server = HTTPServer(configuration: configuration, routes: RoutingTable())
        let events = HostEventBus()
        let backend = try DataBackendFactory.make(settings: settings, home: home)
        let manager = try AddonManager(home: home, backend: backend, trustStore: trustStore, server: server, events: events, probeExecutable: executable, logger: logger)
        let admin = AdminAPI(manager: manager, authenticator: AdminAuthenticator(token: token), maxPackageBytes: settings.maxPackageBytes)
        try server.updateRoutes { try admin.register(in: &$0) }
        try await manager.startUp()
        try server.start()

        var banner = "berth serving on http://\(settings.host):\(server.port) (home \(home.root), \(trustStore.keys.count) trusted keys)\n"
        if generated {
            banner += "admin token (stored with mode 0600 in \(home.relative(home.adminTokenFile))): \(token)\n"
        }
        FileHandle.standardOutput.write(Data(banner.utf8))

        let signal = await termination.next()
        logger.info("stopping", metadata: ["signal": String(cString: strsignal(signal))])
        server.stop()
        await manager.shutDown()
    }
}
