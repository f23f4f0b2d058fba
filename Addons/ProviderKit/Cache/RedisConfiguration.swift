/// Where a Redis server is and how to log in (Upstash: `rediss://default:TOKEN@host:port`).
public struct RedisConfiguration: Sendable, Hashable {
    /// The host.
    public var host: String
    /// The port (6379 by default).
    public var port: Int
    /// The ACL user name (`default` if only a password is given).
    public var username: String?
    /// The password (sensitive configuration).
    public var password: String?
    /// The database number selected after connecting.
    public var database: Int
    /// TLS from the first byte (`rediss://`), or `nil` for plain TCP.
    public var tls: TLSOptions?
    /// `2` (RESP2) or `3` (RESP3 through `HELLO 3`).
    public var protocolVersion: Int
    /// Longest a connect or one command may take.
    public var timeout: Duration

    /// Creates a configuration.
    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0, tls: TLSOptions? = nil, protocolVersion: Int = 2, timeout: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.protocolVersion = protocolVersion
        self.timeout = timeout
    }

    /// Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://…` (TLS).
    public init(url: String, protocolVersion: Int = 2, timeout: Duration = .seconds(5)) throws {
        let secure: Bool
        var rest: Substring
        if url.hasPrefix("rediss://") { secure = true; rest = url.dropFirst(9) }
        else if url.hasPrefix("redis://") { secure = false; rest = url.dropFirst(8) }
        else { throw ProviderError(.invalidConfiguration, "a Redis URL starts with redis:// or rediss:// (got '\(url.prefix(12))…')") }
        var username: String?, password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = PercentEncoding.decode(String(credentials[..<colon]))
                username = user.isEmpty ? nil : user
                password = PercentEncoding.decode(String(credentials[credentials.index(after: colon)...]))
            } else {
                password = PercentEncoding.decode(String(credentials))
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let text = rest[rest.index(after: slash)...]
            guard text.isEmpty || Int(text) != nil else { throw ProviderError(.invalidConfiguration, "Redis database '\(text)' is not a number") }
            database = Int(text) ?? 0
            rest = rest[..<slash]
        }
        var host = String(rest), port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw ProviderError(.invalidConfiguration, "Redis port in '\(rest)' is not a port number")
            }
            port = number
            host = String(rest[..<colon])
        }
        host = host.trimmingPrefix("[").description
        if host.hasSuffix("]") { host.removeLast() }
        guard !host.isEmpty else { throw ProviderError(.invalidConfiguration, "the Redis URL has no host") }
        self.init(host: host, port: port, username: username, password: password, database: database, tls: secure ? TLSOptions() : nil, protocolVersion: protocolVersion, timeout: timeout)
    }
}
