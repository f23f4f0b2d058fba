import BerthPackages

/// An admin's replacements for what an addon's manifest declares about its routes: a present
/// field replaces the manifest's whole field, an absent one keeps it.
public struct PolicyOverrides: Codable, Sendable, Hashable {
    /// Replaces the manifest's `routes` (auth, roles, scopes, rate limits, body limits).
    public var routes: [RoutePolicy]?
    /// Replaces the manifest's `cors`.
    public var cors: CORSPolicy?

    /// Creates overrides.
    public init(routes: [RoutePolicy]? = nil, cors: CORSPolicy? = nil) {
        self.routes = routes
        self.cors = cors
    }

    /// Whether it replaces nothing.
    var isEmpty: Bool { routes == nil && cors == nil }
}

extension Manifest {
    /// The manifest as the host enforces it: with `overrides` applied.
    func applying(_ overrides: PolicyOverrides?) -> Manifest {
        guard let overrides else { return self }
        var effective = self
        if let routes = overrides.routes { effective.routes = routes }
        if let cors = overrides.cors { effective.cors = cors }
        return effective
    }
}
