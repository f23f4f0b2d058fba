/// A handler for one route: given the request and the addon's context, it produces a response.
public typealias RouteHandler = @Sendable (Request, AddonContext) async throws -> Response

/// A handler that answers without awaiting anything.
///
/// A closure with no `await` in it registers as one of these (Swift prefers the synchronous
/// overloads of `Routes.get(_:_:)` and its siblings), and the host then calls it directly on the
/// thread that read the request: no task is created for it. It blocks that thread while it runs,
/// exactly like the part of an async handler before its first `await`.
public typealias ImmediateRouteHandler = @Sendable (Request, AddonContext) throws -> Response

/// The routes an addon registers, with paths relative to its mount prefix.
///
/// Paths are made of `/`-separated segments; a segment `:name` captures one segment into
/// ``Request/parameters``. The empty path `""` or `"/"` is the mount prefix itself.
public struct Routes: Sendable {
    /// One registered route.
    public struct Route: Sendable {
        /// The method the route answers.
        public let method: HTTPMethod
        /// The path relative to the mount prefix.
        public let path: String
        /// The handler. For a route registered with an ``ImmediateRouteHandler`` it calls that
        /// handler, so a host that knows only this property still serves the route.
        public let handler: RouteHandler
        /// The handler as registered, when it is synchronous; `nil` for handlers that may await.
        public let immediateHandler: ImmediateRouteHandler?
    }

    /// The routes in registration order.
    public private(set) var all: [Route] = []

    /// Creates an empty set of routes.
    public init() {}

    /// Registers `handler` for `method` on `path`.
    public mutating func on(_ method: HTTPMethod, _ path: String, _ handler: @escaping RouteHandler) {
        all.append(Route(method: method, path: path, handler: handler, immediateHandler: nil))
    }

    /// Registers the synchronous `handler` for `method` on `path`.
    public mutating func on(_ method: HTTPMethod, _ path: String, _ handler: @escaping ImmediateRouteHandler) {
        all.append(Route(method: method, path: path, handler: { request, context in try handler(request, context) }, immediateHandler: handler))
    }

    /// Registers a `GET` route.
    public mutating func get(_ path: String, _ handler: @escaping RouteHandler) { on(.get, path, handler) }
    /// Registers a `POST` route.
    public mutating func post(_ path: String, _ handler: @escaping RouteHandler) { on(.post, path, handler) }
    /// Registers a `PUT` route.
    public mutating func put(_ path: String, _ handler: @escaping RouteHandler) { on(.put, path, handler) }
    /// Registers a `PATCH` route.
    public mutating func patch(_ path: String, _ handler: @escaping RouteHandler) { on(.patch, path, handler) }
    /// Registers a `DELETE` route.
    public mutating func delete(_ path: String, _ handler: @escaping RouteHandler) { on(.delete, path, handler) }

    /// Registers a synchronous `GET` route.
    public mutating func get(_ path: String, _ handler: @escaping ImmediateRouteHandler) { on(.get, path, handler) }
    /// Registers a synchronous `POST` route.
    public mutating func post(_ path: String, _ handler: @escaping ImmediateRouteHandler) { on(.post, path, handler) }
    /// Registers a synchronous `PUT` route.
    public mutating func put(_ path: String, _ handler: @escaping ImmediateRouteHandler) { on(.put, path, handler) }
    /// Registers a synchronous `PATCH` route.
    public mutating func patch(_ path: String, _ handler: @escaping ImmediateRouteHandler) { on(.patch, path, handler) }
    /// Registers a synchronous `DELETE` route.
    public mutating func delete(_ path: String, _ handler: @escaping ImmediateRouteHandler) { on(.delete, path, handler) }
}
