import Synchronization

/// A Redis client over one TCP (or TLS) connection, reconnecting after a failure.
///
/// Commands are sent one at a time on the connection's own thread; a caller waits without
/// holding a Swift concurrency thread.
public final class RedisClient: Sendable {
    /// Where and how it connects.
    public let configuration: RedisConfiguration
    private let connection = Mutex<SocketConnection?>(nil)

    /// Creates a client; it connects on the first command.
    public init(_ configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    /// Sends one command and returns its reply; an error reply throws ``ProviderError`` (`provider_refused`).
    @discardableResult
    public func command(_ parts: [[UInt8]]) async throws -> RESPValue {
        let reply = try await exchange { channel in
            try channel.write(RESP.command(parts))
            return try RESP.read(channel)
        }
        if case .error(let message) = reply {
            throw ProviderError(.refused, "Redis refused \(String(decoding: parts.first ?? [], as: UTF8.self)): \(message)")
        }
        return reply
    }

    /// Sends one command given as strings.
    @discardableResult
    public func command(_ parts: String...) async throws -> RESPValue {
        try await command(parts.map { Array($0.utf8) })
    }

    /// Runs a Lua script by its SHA-1 (`EVALSHA`), sending the script (`EVAL`) only if the server
    /// does not have it cached (`NOSCRIPT`), e.g. after a restart or `SCRIPT FLUSH`.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        let reply = try await exchange { channel in
            try channel.write(RESP.command([Array("EVALSHA".utf8), Array(script.sha1.utf8)] + tail.map { Array($0.utf8) }))
            let first = try RESP.read(channel)
            guard case .error(let message) = first, message.hasPrefix("NOSCRIPT") else { return first }
            try channel.write(RESP.command([Array("EVAL".utf8), Array(script.source.utf8)] + tail.map { Array($0.utf8) }))
            return try RESP.read(channel)
        }
        if case .error(let message) = reply { throw ProviderError(.refused, "Redis script failed: \(message)") }
        return reply
    }

    /// Closes the connection; the next command opens a new one.
    public func close() {
        let live = connection.withLock { current -> SocketConnection? in
            defer { current = nil }
            return current
        }
        live?.close()
    }

    /// One exchange on a live connection; a failed one is dropped so the next call reconnects.
    func exchange<T: Sendable>(_ body: @escaping @Sendable (SocketChannel) throws -> T) async throws -> T {
        let live = try await connected()
        do {
            return try await live.exchange(timeout: configuration.timeout, body)
        } catch let error as ProviderError where error.code != "provider_refused" {
            // Timed out or broken: the reply may still arrive, so the connection cannot be reused.
            connection.withLock { if $0 === live { $0 = nil } }
            live.close()
            throw error
        }
    }

    func connected() async throws -> SocketConnection {
        if let live = connection.withLock({ $0 }) { return live }
        let config = configuration
        let fresh = try await SocketConnection.connect(host: config.host, port: config.port, timeout: config.timeout, tls: config.tls)
        let reply: RESPValue? = try await fresh.exchange(timeout: config.timeout) { channel in
            if config.protocolVersion == 3 {
                var hello = ["HELLO", "3"]
                if let password = config.password { hello += ["AUTH", config.username ?? "default", password] }
                try channel.write(RESP.command(hello.map { Array($0.utf8) }))
                if case .error(let message) = try RESP.read(channel) { return .error(message) }
            } else if let password = config.password {
                let auth = config.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                try channel.write(RESP.command(auth.map { Array($0.utf8) }))
                if case .error(let message) = try RESP.read(channel) { return .error(message) }
            }
            if config.database != 0 {
                try channel.write(RESP.command([Array("SELECT".utf8), Array(String(config.database).utf8)]))
                if case .error(let message) = try RESP.read(channel) { return .error(message) }
            }
            return nil
        }
        if case .error(let message)? = reply {
            fresh.close()
            throw ProviderError(.refused, "Redis at \(config.host):\(config.port) refused the login: \(message)")
        }
        return connection.withLock { current in
            if let current { fresh.close(); return current }
            current = fresh
            return fresh
        }
    }
}

/// A Lua script and the SHA-1 Redis caches it under.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// Its SHA-1 in hex, as `EVALSHA` wants it.
    public let sha1: String

    /// Creates a script.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Digest.hex(Digest.sha1(Array(source.utf8)))
    }
}
