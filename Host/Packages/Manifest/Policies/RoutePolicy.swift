/// What the host enforces on one of an addon's routes before the addon runs, declared in the
/// manifest's `routes` list (shown to the admin before install; the admin may override it).
///
/// ```json
/// "routes": [
///   {"method": "GET", "path": "/me", "auth": "required"},
///   {"method": "*", "path": "/admin/:page", "auth": "required", "roles": ["admin"]},
///   {"method": "POST", "path": "/codes", "rateLimit": {"limit": 3, "windowSeconds": 300, "key": "header:X-Phone"}}
/// ]
/// ```
public struct RoutePolicy: Codable, Sendable, Hashable {
    /// Whether the route needs a caller.
    public enum Authentication: String, Codable, Sendable, Hashable {
        /// Anonymous callers are served; a presented token is ignored (the default).
        case none
        /// A valid token fills the identity; no token means anonymous; a bad token is refused.
        case optional
        /// Only callers with a valid token are served (`401` otherwise).
        case required
    }

    /// The method (`GET`, `POST`, …) or `*` for every method.
    public var method: String
    /// The route's path relative to the mount prefix, exactly as the addon registers it
    /// (`/sessions/:id`).
    public var path: String
    /// Whether a caller is needed.
    public var auth: Authentication
    /// The caller needs at least one of these roles (`403` naming them otherwise).
    public var roles: [String]
    /// The caller's token needs every one of these scopes (`403` naming the missing one).
    public var scopes: [String]
    /// How often the route may be called, per key.
    public var rateLimit: RateLimitRule?
    /// The largest body accepted, in bytes (within the host's maximum).
    public var bodyLimit: Int?
    /// Seconds the handler may take (within the host's `BERTH_HANDLER_TIMEOUT`).
    public var timeoutSeconds: Double?

    /// Creates a policy; unset settings mean "as the host decides".
    public init(method: String, path: String, auth: Authentication = .none, roles: [String] = [], scopes: [String] = [],
                rateLimit: RateLimitRule? = nil, bodyLimit: Int? = nil, timeoutSeconds: Double? = nil) {
        self.method = method
        self.path = path
        self.auth = auth
        self.roles = roles
        self.scopes = scopes
        self.rateLimit = rateLimit
        self.bodyLimit = bodyLimit
        self.timeoutSeconds = timeoutSeconds
    }

    /// Decodes a policy; every field but `method` and `path` may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(String.self, forKey: .method)
        path = try container.decode(String.self, forKey: .path)
        auth = try container.decodeIfPresent(Authentication.self, forKey: .auth) ?? .none
        roles = try container.decodeIfPresent([String].self, forKey: .roles) ?? []
        scopes = try container.decodeIfPresent([String].self, forKey: .scopes) ?? []
        rateLimit = try container.decodeIfPresent(RateLimitRule.self, forKey: .rateLimit)
        bodyLimit = try container.decodeIfPresent(Int.self, forKey: .bodyLimit)
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
    }

    /// Whether this policy covers a route registered as `method` `path`.
    public func covers(method: String, path: String) -> Bool {
        (self.method == "*" || self.method == method) && Self.normalized(self.path) == Self.normalized(path)
    }

    /// `""` and `"/"` both name the mount prefix itself.
    static func normalized(_ path: String) -> String {
        path.isEmpty ? "/" : path
    }
}

/// A limit on how often a route may be called.
public struct RateLimitRule: Codable, Sendable, Hashable {
    /// Calls admitted per window and key.
    public var limit: Int
    /// The window's length, in seconds.
    public var windowSeconds: Int
    /// What a count is kept per: `ip` (the default), `user` (the token's subject; anonymous callers
    /// by IP), `route` (one count for everyone), or `header:<Name>` (the value of a request field).
    public var key: String

    /// Creates a rule.
    public init(limit: Int, windowSeconds: Int, key: String = "ip") {
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.key = key
    }

    /// Decodes a rule; `key` defaults to `ip`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        limit = try container.decode(Int.self, forKey: .limit)
        windowSeconds = try container.decode(Int.self, forKey: .windowSeconds)
        key = try container.decodeIfPresent(String.self, forKey: .key) ?? "ip"
    }
}
