/// An HTTP request as an addon's handler sees it.
public struct Request: Sendable {
    /// The request method.
    public var method: HTTPMethod

    /// The full path, without the query, e.g. `/api/v1/chat/sessions/42`.
    public var path: String

    /// The decoded query parameters, in order.
    public var query: [(name: String, value: String)]

    /// The request header fields.
    public var headers: HTTPHeaders

    /// The request body, read completely before the handler runs (bounded by the host's limit).
    public var body: [UInt8]

    /// The values of the route's path parameters, e.g. `id` for `/sessions/:id`.
    public var parameters: [String: String]

    /// The request's id, also sent back in the response's `X-Request-ID` (see
    /// ``RequestContext/requestID``); empty for a request a test made without one.
    public var requestID: String

    /// The address of the client's end of the connection (`203.0.113.7`, `2001:db8::1`); empty for
    /// a request a test made without one. Behind a proxy this is the proxy's address.
    public var remoteAddress: String = ""

    /// Creates a request; called by the host and by tests.
    public init(
        method: HTTPMethod,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        parameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.parameters = parameters
        self.requestID = ""
    }

    /// Creates a request with its id; called by the host and by tests.
    public init(
        method: HTTPMethod,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        parameters: [String: String] = [:],
        requestID: String
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.parameters = parameters
        self.requestID = requestID
    }

    /// The first value of the query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}
