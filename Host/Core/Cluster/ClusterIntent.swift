/// A change to an addon a node has started and not finished, in `berth_cluster.intents`.
///
/// The node writes it before touching the addon and removes it in the transaction that records the
/// outcome in the desired set, all under the addon's cluster lock. So when another node finds the
/// lock free and an intent still there, the node that wrote it stopped half-way: an install
/// nobody else has, or an uninstall whose data was not removed. That node (or, if it is gone,
/// any other) finishes the job: the addon's schema and roles are dropped unless the uninstall
/// kept the data.
struct ClusterIntent: Sendable, Hashable {
    /// What was started.
    enum Operation: String, Sendable {
        case install, upgrade, uninstall
    }

    /// The addon.
    let id: String
    /// The node that started it.
    let node: String
    /// What it started.
    let operation: Operation
    /// Uninstall only: whether the data is kept.
    let keepData: Bool
}
