import PluginAPI
import ProviderKit

/// The addon's configuration read into what the clients need: the server from `url` (`redis://`,
/// or `rediss://` for TLS as Upstash speaks it), an optional `password` kept out of the URL, a CA
/// file for a private authority, the key prefix, the per-command deadline and the pool size.
struct RedisSettings: Sendable, Hashable {
    var server: RedisConfiguration
    var keyPrefix: String
    var connections: Int

    /// Reads `configuration` (already validated against the manifest's schema by the host).
    /// - Throws: ``HTTPError`` (`provider_invalid_configuration`, 400) for a URL that does not parse
    ///   or a CA file without TLS.
    init(_ configuration: AddonConfiguration) throws {
        let timeout = Duration.milliseconds(configuration.integer("timeoutMilliseconds") ?? 1000)
        var server: RedisConfiguration
        do {
            server = try RedisConfiguration(url: configuration.string("url") ?? "redis://127.0.0.1:6379", timeout: timeout)
        } catch let error as ProviderError {
            throw HTTPError(status: 400, code: error.code, message: "url: \(error.message)")
        }
        if let password = configuration.string("password"), !password.isEmpty { server.password = password }
        if let caFile = configuration.string("caFile"), !caFile.isEmpty {
            guard server.tls != nil else {
                throw HTTPError(status: 400, code: "provider_invalid_configuration", message: "caFile is set but the url is not rediss://: the CA is only used over TLS")
            }
            server.tls?.caFile = caFile
        }
        self.server = server
        keyPrefix = configuration.string("keyPrefix") ?? "berth:"
        connections = max(1, min(64, configuration.integer("connections") ?? 4))
    }

    /// Where the server is, without credentials: safe to log and to show.
    var endpoint: String {
        "\(server.tls == nil ? "redis" : "rediss")://\(server.host):\(server.port)/\(server.database)"
    }
}
