import BerthHTTP
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
}
