/// An outgoing HTTP request made by an addon.
public struct OutgoingRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The absolute URL, e.g. `https://api.example.com/v1/send`.
    public var url: String
    /// Header fields.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Outgoing HTTP for an addon, limited to the hosts its manifest lists as `network:<host>`.
public protocol HTTPClient: Sendable {
    /// Sends `request` and returns the response; a host the addon was not granted is refused
    /// before any connection is made.
    func send(_ request: OutgoingRequest) async throws -> Response
}
