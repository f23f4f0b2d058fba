/// A handler for one route: given the request and the addon's context, it produces a response.
public typealias RouteHandler = @Sendable (Request, AddonContext) async throws -> Response

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
        /// The handler.
        public let handler: RouteHandler
    }

    /// The routes in registration order.
    public private(set) var all: [Route] = []

    /// Creates an empty set of routes.
    public init() {}

    /// Registers `handler` for `method` on `path`.
    public mutating func on(_ method: HTTPMethod, _ path: String, _ handler: @escaping RouteHandler) {
        all.append(Route(method: method, path: path, handler: handler))
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
}
