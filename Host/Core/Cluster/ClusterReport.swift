/// The answer of `GET /api/v1/cluster`: the desired set, and every node with what it runs.
struct ClusterReport: Encodable, Sendable {
    /// A node as the database knows it.
    struct Node: Encodable, Sendable {
        /// Its `BERTH_NODE_ID`.
        let id: String
        /// Where it is reached.
        let url: String
        /// Whether its heartbeat is recent and it did not stop.
        let alive: Bool
        let startedAt: String
        let heartbeatAt: String
        let stoppedAt: String?
        /// The last generation it fully converged on.
        let generation: Int64
        /// What it runs: one entry per installed addon, and one per desired addon it failed to install.
        let addons: [NodeAddonState]
    }

    /// The node that answered.
    let node: String
    /// The last generation of the desired set.
    let generation: Int64
    /// The installed set every node converges on.
    let desired: [DesiredAddon]
    /// Every node, alive or not.
    let nodes: [Node]
}
