import PluginAPI

/// A node of the routing trie: one level of path segments.
///
/// Nodes are immutable and shared between copies of a ``RoutingTable``; a change to the table builds a
/// new trie, which is cheap at registration time and keeps every lookup lock-free and allocation-free.
final class RouteNode: Sendable {
    /// Children reached by an exact segment.
    let literals: [Substring: RouteNode]

    /// The ASCII ones among ``literals`` again, searchable by bytes; what lookups use.
    let literalIndex: LiteralIndex

    /// The child reached by any segment (a `:name` pattern segment), tried after the literals.
    let parameter: RouteNode?

    /// Endpoints whose pattern ends at this node, at most one per method.
    let endpoints: [Endpoint]

    /// Endpoints whose pattern ends with `*` here; they match the rest of the path, tried last.
    let wildcards: [Endpoint]

    /// Builds the subtree for `entries`, each an endpoint with the segments still to place below this
    /// node.
    init(building entries: [(rest: ArraySlice<RoutePattern.Segment>, endpoint: Endpoint)]) {
        var endpoints: [Endpoint] = []
        var wildcards: [Endpoint] = []
        var literalGroups: [Substring: [(rest: ArraySlice<RoutePattern.Segment>, endpoint: Endpoint)]] = [:]
        var parameterGroup: [(rest: ArraySlice<RoutePattern.Segment>, endpoint: Endpoint)] = []
        for entry in entries {
            guard let first = entry.rest.first else {
                endpoints.append(entry.endpoint)
                continue
            }
            let below = entry.rest.dropFirst()
            switch first {
            case .literal(let text): literalGroups[text, default: []].append((below, entry.endpoint))
            case .parameter: parameterGroup.append((below, entry.endpoint))
            case .wildcard: wildcards.append(entry.endpoint)
            }
        }
        self.endpoints = endpoints
        self.wildcards = wildcards
        let literals = literalGroups.mapValues { RouteNode(building: $0) }
        self.literals = literals
        self.literalIndex = LiteralIndex(literals)
        self.parameter = parameterGroup.isEmpty ? nil : RouteNode(building: parameterGroup)
    }

    /// An empty trie.
    static let empty = RouteNode(building: [])
}
