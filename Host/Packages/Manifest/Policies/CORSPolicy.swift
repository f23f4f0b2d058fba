/// Which browser origins may call an addon's routes, answered by the host (preflights included).
///
/// ```json
/// "cors": {"origins": ["https://app.example.com"], "methods": ["GET", "POST"],
///          "headers": ["Content-Type", "Authorization"], "credentials": true, "maxAgeSeconds": 600}
/// ```
public struct CORSPolicy: Codable, Sendable, Hashable {
    /// Allowed origins (`scheme://host[:port]`), or `["*"]` for any origin without credentials.
    public var origins: [String]
    /// Allowed methods; empty means the methods the addon's routes answer.
    public var methods: [String]
    /// Request header fields a browser may send.
    public var headers: [String]
    /// Whether cookies and `Authorization` may be sent (never with the `*` origin).
    public var credentials: Bool
    /// How long a browser may cache a preflight's answer.
    public var maxAgeSeconds: Int

    /// Whether the policy is the `["*"]` of any origin, read without building that array (the host
    /// checks it on every answer of a route with a policy).
    public var allowsAnyOrigin: Bool {
        origins.count == 1 && origins[0] == "*"
    }

    /// Creates a policy.
    public init(origins: [String], methods: [String] = [], headers: [String] = [], credentials: Bool = false, maxAgeSeconds: Int = 600) {
        self.origins = origins
        self.methods = methods
        self.headers = headers
        self.credentials = credentials
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// Decodes a policy; only `origins` is required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        origins = try container.decode([String].self, forKey: .origins)
        methods = try container.decodeIfPresent([String].self, forKey: .methods) ?? []
        headers = try container.decodeIfPresent([String].self, forKey: .headers) ?? []
        credentials = try container.decodeIfPresent(Bool.self, forKey: .credentials) ?? false
        maxAgeSeconds = try container.decodeIfPresent(Int.self, forKey: .maxAgeSeconds) ?? 600
    }
}
