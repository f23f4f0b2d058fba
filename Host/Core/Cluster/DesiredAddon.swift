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
