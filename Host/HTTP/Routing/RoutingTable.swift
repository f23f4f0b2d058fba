import PluginAPI

/// The set of endpoints the server dispatches to, owned by the host and the addons that registered
/// them.
///
/// A value type: the server swaps whole tables (``HTTPServer/replaceRoutes(_:)``), so a request sees
/// either the table before a change or the one after, never a mix. Patterns are compiled into a trie
/// when registered, so lookups do not re-parse them.
public struct RoutingTable: Sendable {
    /// Every endpoint, in registration order.
    public private(set) var endpoints: [Endpoint] = []

    private var root: RouteNode = .empty

    /// The endpoints whose pattern has only literal segments, keyed by the path they match written
    /// plainly (`/a/b`). Most requests are for such routes, and one hash of the whole path finds
    /// them, where the trie looks each segment up in turn. The trie finds the same endpoint for
    /// these paths, since it prefers a literal segment at every level; everything else (parameters,
    /// wildcards, `//` or a trailing `/` in the path, HEAD answered by GET) is left to it.
    private var literalPaths: [String: [Endpoint]] = [:]

    /// Creates an empty table.
    public init() {}

    /// Registers `handler` for `method` on `pattern`; `timeout` becomes ``Endpoint/timeout``.
    ///
    /// `pattern` is made of `/`-separated segments, e.g. `/api/v1/chat/sessions/:id`: a segment
    /// `:name` captures one path segment into ``PluginAPI/Request/parameters``; a last segment `*`
    /// matches the rest of the path (possibly empty), captured as `parameters["*"]`. At each level an
    /// exact segment wins over a parameter, which wins over a wildcard.
    ///
    /// - Throws: ``RoutingError`` with ``RoutingError/Code/conflict`` when an endpoint with the same
    ///   method and pattern shape (parameter names aside) is registered, naming its owner in
    ///   ``RoutingError/holder``; ``RoutingError/Code/invalidPattern`` for a malformed pattern.
    public mutating func add(
        _ method: HTTPMethod,
        _ pattern: String,
        owner: String,
        body: BodyPolicy = .buffered(limit: 1 << 20),
        timeout: Duration? = nil,
        handler: @escaping EndpointHandler
    ) throws(RoutingError) {
        try insert(method, pattern, owner: owner, body: body, handler: handler, immediate: nil, headerCheck: nil, timeout: timeout)
    }

    /// Registers `handler` like ``add(_:_:owner:body:timeout:handler:)``, with `headerCheck` deciding from
    /// the header fields whether a request's body is read at all (e.g. authentication).
    public mutating func add(
        _ method: HTTPMethod,
        _ pattern: String,
        owner: String,
        body: BodyPolicy = .buffered(limit: 1 << 20),
        headerCheck: @escaping HeaderCheck,
        handler: @escaping EndpointHandler
    ) throws(RoutingError) {
        try insert(method, pattern, owner: owner, body: body, handler: handler, immediate: nil, headerCheck: headerCheck, timeout: nil)
    }

    /// Registers the synchronous `handler` for `method` on `pattern`, with a buffered body of at most
    /// `bodyLimit` bytes and an optional ``Endpoint/timeout``; see
    /// ``add(_:_:owner:body:timeout:handler:)`` for patterns and conflicts.
    public mutating func add(
        _ method: HTTPMethod,
        _ pattern: String,
        owner: String,
        bodyLimit: Int = 1 << 20,
        timeout: Duration? = nil,
        immediate handler: @escaping ImmediateEndpointHandler
    ) throws(RoutingError) {
        try insert(method, pattern, owner: owner, body: .buffered(limit: bodyLimit), handler: { request, _ in handler(request) }, immediate: handler, headerCheck: nil, timeout: timeout)
    }

    /// Removes every endpoint registered by `owner`, e.g. when its addon is unmounted.
    public mutating func removeAll(owner: String) {
        let before = endpoints.count
        endpoints.removeAll { $0.owner == owner }
        if endpoints.count != before { rebuild() }
    }

    /// The owners that have at least one endpoint in the table.
    public var owners: Set<String> {
        Set(endpoints.map(\.owner))
    }

    /// Looks up the endpoint for `method` on `path` (the URL path, without the query).
    ///
    /// A `HEAD` request without a `HEAD` route is answered by the `GET` route, whose body the server
    /// then leaves out.
    public func match(_ method: HTTPMethod, _ path: String) -> RouteMatch {
        if let endpoint = literalPaths[path]?.first(answering: method) {
            return .found(endpoint, parameters: [:])
        }
        var path = path
        let found = path.withUTF8 { bytes -> (Endpoint, [String: String])? in
            var captures: [Range<Int>] = []
            guard let endpoint = root.find(method, in: bytes, from: 0, captures: &captures)
                ?? (method == .head ? root.find(.get, in: bytes, from: 0, captures: &captures) : nil)
            else { return nil }
            return (endpoint, RoutingTable.parameters(endpoint.compiled.parameterNames, captures, in: bytes))
        }
        if let (endpoint, parameters) = found {
            return .found(endpoint, parameters: parameters)
        }
        var allowed: Set<HTTPMethod> = []
        root.collectMethods(in: path, from: path.startIndex, into: &allowed)
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) { allowed.insert(.head) }
        return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
    }

    private static func parameters(_ names: [String], _ captures: [Range<Int>], in path: UnsafeBufferPointer<UInt8>) -> [String: String] {
        guard !names.isEmpty else { return [:] }
        var parameters: [String: String] = Dictionary(minimumCapacity: names.count)
        for (name, range) in zip(names, captures) {
            parameters[name] = String(decoding: UnsafeBufferPointer(rebasing: path[range]), as: UTF8.self)
        }
        return parameters
    }

    /// Compiles `pattern`, refuses a conflict and adds the endpoint: what both `add` methods do.
    private mutating func insert(
        _ method: HTTPMethod,
        _ pattern: String,
        owner: String,
        body: BodyPolicy,
        handler: @escaping EndpointHandler,
        immediate: ImmediateEndpointHandler?,
        headerCheck: HeaderCheck?,
        timeout: Duration?
    ) throws(RoutingError) {
        let compiled = try RoutePattern(parsing: pattern)
        if let holder = endpoints.first(where: { $0.method == method && $0.compiled.shape == compiled.shape }) {
            throw RoutingError(
                code: .conflict,
                message: "\(method) \(pattern) conflicts with \(holder.method) \(holder.pattern), registered by '\(holder.owner)'.",
                holder: holder.owner
            )
        }
        endpoints.append(Endpoint(method: method, compiled: compiled, owner: owner, body: body, handler: handler, immediate: immediate, headerCheck: headerCheck, timeout: timeout))
        rebuild()
    }

    private mutating func rebuild() {
        root = RouteNode(building: endpoints.map { ($0.compiled.segments[...], $0) })
        literalPaths = [:]
        for endpoint in endpoints {
            if let path = endpoint.compiled.literalPath { literalPaths[path, default: []].append(endpoint) }
        }
    }
}
