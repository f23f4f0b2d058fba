/// An HTTP response returned by a handler.
public struct Response: Sendable {
    /// The status code, e.g. 200.
    public var status: Int

    /// The response header fields; the host adds `Content-Length`.
    public var headers: HTTPHeaders

    /// The response body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int = 200, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    // Built once and shared (copy-on-write): a literal in `text` and `json` would allocate two
    // arrays per response, the literal's elements and the fields made from them.
    private static let plainTextHeaders: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8"]
    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]

    /// A `text/plain` response.
    public static func text(_ text: String, status: Int = 200) -> Response {
        Response(status: status, headers: Response.plainTextHeaders, body: Array(text.utf8))
    }

    /// An `application/json` response whose body is already-encoded JSON.
    public static func json(raw json: [UInt8], status: Int = 200) -> Response {
        Response(status: status, headers: Response.jsonHeaders, body: json)
    }
}
