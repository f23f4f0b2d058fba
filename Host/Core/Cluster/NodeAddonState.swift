/// What one node reports of one addon in `berth_cluster.node_addons`.
struct NodeAddonState: Sendable, Hashable, Codable {
    /// The addon.
    let id: String
    /// The version installed (or, for ``State/installFailed``, the version the node failed to install).
    let version: String
    /// One of the ``State`` raw values.
    let state: String
    /// Why the addon is not serving on the node, if it is not.
    let error: String?

    /// The states a node reports.
    enum State: String {
        /// Installed and mounted.
        case active
        /// Installed, not mounted.
        case inactive
        /// Installed, but its library or data could not be loaded on this node.
        case loadFailed = "load_failed"
        /// In the desired set, but this node could not install it.
        case installFailed = "install_failed"
    }
}
