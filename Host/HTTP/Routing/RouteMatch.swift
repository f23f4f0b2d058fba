import PluginAPI

/// The result of looking a request up in a ``RoutingTable``.
public enum RouteMatch: Sendable {
    /// An endpoint answers the request; `parameters` holds the captured `:name` segments and, for a
    /// trailing `*`, the rest of the path under the key `"*"`.
    case found(Endpoint, parameters: [String: String])

    /// The path exists but not for this method; `allowed` lists the methods it answers, sorted.
    case methodNotAllowed(allowed: [HTTPMethod])

    /// No route matches the path.
    case notFound
}
