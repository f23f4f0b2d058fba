/// Per-route settings, passed as one value so that a new setting never adds registration overloads.
///
/// Every setting has a default that means "as the host decides".
public struct RouteOptions: Sendable, Hashable {
    /// The largest request body the route accepts, in bytes; a larger one is answered
    /// `413 payload_too_large` before the handler runs. `nil`: the host's default (1 MiB).
    public var bodyLimit: Int?

    /// Creates options; every argument defaults to the host's choice.
    public init(bodyLimit: Int? = nil) {
        self.bodyLimit = bodyLimit
    }
}
