import PluginAPI

/// One row of `berth_cluster.desired`: an addon every node of the cluster should have installed,
/// in this version, with this configuration.
struct DesiredAddon: Sendable, Hashable, Encodable {
    /// The addon's id.
    let id: String
    /// The version every node converges on.
    let version: String
    /// `active` (mounted) or `inactive`.
    let state: String
    /// The validated configuration the install was made with; never shown by the API.
    let configuration: [String: JSONValue]
    /// The cluster generation of the last change to this row.
    let generation: Int64
    /// The node that made that change.
    let changedBy: String
    /// When (ISO 8601, UTC).
    let changedAt: String

    private enum CodingKeys: String, CodingKey {
        case id, version, state, generation, changedBy, changedAt
    }
}

/// A package archive in `berth_cluster.packages`, as uploaded to (or installed through) any node.
struct SharedPackage: Sendable {
    let id: String
    let version: String
    /// SHA-256 of ``archive``, hex.
    let sha256: String
    /// The signed archive, verified again by every node that imports it.
    let archive: [UInt8]
}

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
