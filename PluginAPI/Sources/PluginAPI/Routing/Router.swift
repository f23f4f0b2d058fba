/// A handler for one route: given the request and its ``RequestContext``, it produces a response.
public typealias RequestHandler = @Sendable (Request, RequestContext) async throws -> Response

/// A handler that answers without awaiting anything.
///
/// A closure with no `await` registers as one of these (Swift prefers the synchronous overloads of
/// ``Router``), and the host calls it directly on the thread that read the request, without a task.
public typealias ImmediateRequestHandler = @Sendable (Request, RequestContext) throws -> Response

/// The routes an addon registers in ``Addon/register(_:)``, with paths relative to its mount prefix.
///
/// Paths are `/`-separated segments; a segment `:name` captures one segment into
/// ``Request/parameters``, and `""` or `"/"` is the mount prefix itself. Each method has one
/// synchronous and one `async` registration; per-route settings go in ``RouteOptions``.
public struct Router: Sendable {
    /// One registered route.
    public struct Route: Sendable {
        /// The method the route answers.
        public let method: HTTPMethod
        /// The path relative to the mount prefix.
        public let path: String
        /// The route's settings.
        public let options: RouteOptions
        /// The handler; for a synchronous route it calls ``immediateHandler``.
        public let handler: RequestHandler
        /// The handler as registered, when it is synchronous; `nil` for handlers that may await.
        public let immediateHandler: ImmediateRequestHandler?
    }

    /// The addon's context, for handlers that capture a service at registration.
    public let context: AddonContext

    /// The routes in registration order.
    public private(set) var all: [Route] = []

    /// Creates an empty router for the addon `context` belongs to; called by the host and by tests.
    public init(context: AddonContext) {
        self.context = context
    }

    /// Registers `handler` for `method` on `path`.
    public mutating func on(_ method: HTTPMethod, _ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping RequestHandler) {
        all.append(Route(method: method, path: path, options: options, handler: handler, immediateHandler: nil))
    }

    /// Registers the synchronous `handler` for `method` on `path`.
    public mutating func on(_ method: HTTPMethod, _ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping ImmediateRequestHandler) {
        all.append(Route(method: method, path: path, options: options, handler: { request, context in try handler(request, context) }, immediateHandler: handler))
    }

    /// Registers the routes of a PluginAPI 1.x ``Routes`` value; their handlers get
    /// ``RequestContext/addon``. This is what the default ``Addon/register(_:)`` does.
    public mutating func add(_ routes: Routes) {
        for route in routes.all {
            if let immediate = route.immediateHandler {
                on(route.method, route.path) { request, context in try immediate(request, context.addon) }
            } else {
                let handler = route.handler
                on(route.method, route.path) { request, context in try await handler(request, context.addon) }
            }
        }
    }

    /// Registers a `GET` route.
    public mutating func get(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping RequestHandler) { on(.get, path, options: options, handler) }
    /// Registers a synchronous `GET` route.
    public mutating func get(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping ImmediateRequestHandler) { on(.get, path, options: options, handler) }
    /// Registers a `POST` route.
    public mutating func post(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping RequestHandler) { on(.post, path, options: options, handler) }
    /// Registers a synchronous `POST` route.
    public mutating func post(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping ImmediateRequestHandler) { on(.post, path, options: options, handler) }
    /// Registers a `PUT` route.
    public mutating func put(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping RequestHandler) { on(.put, path, options: options, handler) }
    /// Registers a synchronous `PUT` route.
    public mutating func put(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping ImmediateRequestHandler) { on(.put, path, options: options, handler) }
    /// Registers a `PATCH` route.
    public mutating func patch(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping RequestHandler) { on(.patch, path, options: options, handler) }
    /// Registers a synchronous `PATCH` route.
    public mutating func patch(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping ImmediateRequestHandler) { on(.patch, path, options: options, handler) }
    /// Registers a `DELETE` route.
    public mutating func delete(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping RequestHandler) { on(.delete, path, options: options, handler) }
    /// Registers a synchronous `DELETE` route.
    public mutating func delete(_ path: String, options: RouteOptions = RouteOptions(), _ handler: @escaping ImmediateRequestHandler) { on(.delete, path, options: options, handler) }
}
