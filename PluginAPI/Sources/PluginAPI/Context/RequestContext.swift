/// What a handler registered on a ``Router`` gets with each request: the request's id, caller and
/// deadline, a logger bound to both the addon and the request, and the addon's services.
///
/// It is cheap to make (the host builds one per request): it holds the request's own values and the
/// ``AddonContext``, which is one reference; the logger and the service lookups are built when used.
public struct RequestContext: Sendable {
    /// The request's id: the client's `X-Request-ID` when it sent a valid one (1–128 characters of
    /// `A–Z a–z 0–9 . _ : -`), else one the host generated. The response carries it back in
    /// `X-Request-ID`.
    public let requestID: String

    /// The authenticated caller, or `nil` for an anonymous request.
    public let identity: Identity?

    /// When the host stops waiting for the handler (it answers `504 handler_timeout` then); pass
    /// what remains to slow calls.
    public let deadline: ContinuousClock.Instant

    /// The addon's own context: what the addon got at start, shared by all its requests.
    public let addon: AddonContext

    /// The template of the route the request matched, e.g. `/api/v1/greet/:name` (nil when the
    /// host did not say, as in contexts made by tests).
    public let route: String?

    /// Creates a context; called by the host and by tests.
    public init(requestID: String, identity: Identity? = nil, deadline: ContinuousClock.Instant, addon: AddonContext) {
        self.requestID = requestID
        self.identity = identity
        self.deadline = deadline
        self.addon = addon
        self.route = nil
    }

    /// Creates a context for a request that matched `route` (its template); called by the host.
    public init(requestID: String, identity: Identity? = nil, deadline: ContinuousClock.Instant, addon: AddonContext, route: String?) {
        self.requestID = requestID
        self.identity = identity
        self.deadline = deadline
        self.addon = addon
        self.route = route
    }

    /// The addon's identifier.
    public var addonID: String { addon.addonID }

    /// A logger whose every line carries the addon's id, `request_id` and, when known, the
    /// `route` template.
    public var logger: Logger {
        guard let route else { return addon.logger.with(["request_id": .string(requestID)]) }
        return addon.logger.with(["request_id": .string(requestID), "route": .string(route)])
    }

    /// The time left before ``deadline`` (negative once it passed).
    public var timeRemaining: Duration { deadline - .now }

    /// The addon's database, scoped to its own namespace (permission `database`).
    public var database: any AddonDatabase { addon.database }

    /// The addon's current configuration.
    public var configuration: AddonConfiguration { addon.configuration }

    /// Outgoing HTTP to the hosts the manifest grants (`network:<host>`).
    public var http: any HTTPClient { addon.http }

    /// The events bus; throws naming the `events` permission when the manifest lacks it.
    public var events: any EventBus { get throws { try addon.service(.events) } }

    /// The addon's services by name: `try context.services.email`.
    public var services: ServiceDirectory { ServiceDirectory(context: addon) }

    /// The service `key` names: `try context.service(.email)`.
    ///
    /// - Throws: ``HTTPError`` naming the manifest permission to add, or `service_unavailable` when
    ///   the host has no provider for it.
    public func service<Service>(_ key: ServiceKey<Service>) throws -> Service {
        try addon.service(key)
    }
}
