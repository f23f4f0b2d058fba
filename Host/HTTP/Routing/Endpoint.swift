import PluginAPI

/// Answers one request. It never throws: the layer above turns addon errors into responses, so that
/// the server never has to guess how to report a failure.
///
/// The second argument is the request body spooled to disk for ``BodyPolicy/spooled(limit:)``
/// routes, or `nil` for buffered routes and requests without a body.
///
/// `nonisolated(nonsending)`: the handler runs in its caller's isolation, which for the server is
/// the task it starts per request (nonisolated, so the same executor either way). A plain
/// nonisolated async function would switch executors on entry and again on return instead, each
/// switch a trip through the concurrency runtime on every request.
public typealias EndpointHandler = nonisolated(nonsending) @Sendable (Request, UploadedFile?) async -> Response

/// Answers one request without awaiting anything, so the server calls it directly on the polling
/// thread that read the request: no task, no suspension bookkeeping. Only for buffered routes.
public typealias ImmediateEndpointHandler = @Sendable (Request) -> Response

/// One registered route: what it answers, who registered it and how it reads the body.
///
/// A class rather than a struct because a request passes it along several times between lookup and
/// dispatch: one retain per hand-off instead of copying every field. It is immutable.
public final class Endpoint: Sendable {
    /// The method the endpoint answers.
    public let method: HTTPMethod

    /// The pattern as registered, e.g. `/api/v1/chat/sessions/:id`.
    public let pattern: String

    /// Who registered the endpoint (the host or an addon's id); ``RoutingTable/removeAll(owner:)``
    /// removes by this value.
    public let owner: String

    /// How the server reads the request body before calling ``handler``.
    public let body: BodyPolicy

    /// The handler.
    public let handler: EndpointHandler

    /// The same handler as a synchronous function, when it was registered as one; ``handler`` then
    /// calls it, for the paths that need a task anyway (a handler observer that starts handlers off
    /// the polling thread).
    public let immediate: ImmediateEndpointHandler?

    /// Checked on the header fields before a body is read (see ``HeaderCheck``); nil for none.
    public let headerCheck: HeaderCheck?

    /// How long this endpoint's handler may take, when it has a deadline of its own (a route's
    /// `timeoutSeconds`); nil for the handler observer's default. The server does not read it:
    /// the observer that times handlers out does.
    public let timeout: Duration?

    /// The parsed pattern; kept so that rebuilding the routing trie never re-parses strings.
    let compiled: RoutePattern

    init(method: HTTPMethod, compiled: RoutePattern, owner: String, body: BodyPolicy, handler: @escaping EndpointHandler, immediate: ImmediateEndpointHandler? = nil, headerCheck: HeaderCheck? = nil, timeout: Duration? = nil) {
        self.method = method
        self.pattern = compiled.source
        self.owner = owner
        self.body = body
        self.handler = handler
        self.immediate = immediate
        self.headerCheck = headerCheck
        self.timeout = timeout
        self.compiled = compiled
    }
}
