import BerthHTTP
import BerthMetrics
import PluginAPI

/// A host started by ``BerthServer/start(settings:executable:options:)``.
public struct RunningHost: Sendable {
    /// The HTTP server.
    public let server: HTTPServer
    /// The addons.
    public let manager: AddonManager
    /// The host's logger.
    public let logger: Logger
    /// What to print once serving: the address, and the admin token if it was generated now.
    public let banner: String
    /// This host as a cluster node (`BERTH_CLUSTER=1`); stop it before the manager.
    let cluster: ClusterNode?
    /// The host's shared metrics table, nil with `BERTH_METRICS=0`.
    public var metrics: SeriesTable? = nil
    /// The process gauges and periodic checks this process runs; cancelled with the host.
    var observer: Task<Void, Never>? = nil
    /// The jobs of the addons loaded here, reachable without the manager's actor (a draining
    /// worker stops them even while a crashed change holds the manager).
    var jobs: JobRunner? = nil
}
