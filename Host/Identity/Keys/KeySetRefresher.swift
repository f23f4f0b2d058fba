import BerthNetwork
import Foundation
import PluginAPI

/// Fetches a JWKS from its URL, off the HTTP threads, no more often than a floor allows.
public actor KeySetRefresher {
    /// Where the key set is published.
    public let url: String
    /// The shortest time between two fetches, however many unknown `kid`s arrive.
    public let floor: Duration
    private let client: RestrictedHTTPClient
    private var lastFetch: ContinuousClock.Instant?

    /// A refresher of the key set at `url` (http or https).
    public init(url: String, floor: Duration = .seconds(30), timeoutMilliseconds: Int = 5_000) throws(IdentitySetupError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty else {
            throw IdentitySetupError(.invalidSetting, "BERTH_AUTH_JWKS=\(url.prefix(200)) is neither a file nor an http(s) URL")
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        self.url = url
        self.floor = floor
        self.client = RestrictedHTTPClient(addonID: "berth", permissions: ["network:\(host.lowercased()):\(port)"], timeoutMilliseconds: timeoutMilliseconds, maxResponseBytes: 1 << 20)
    }

    /// Fetches and parses the key set now.
    /// - Throws: ``IdentitySetupError`` (`keys_unreachable` or `invalid_key`).
    public func fetch() async throws(IdentitySetupError) -> KeySet {
        lastFetch = .now
        let response: Response
        do {
            response = try await client.send(OutgoingRequest(method: .get, url: url, headers: ["Accept": "application/json"]))
        } catch {
            throw IdentitySetupError(.keysUnreachable, "fetching the key set from \(url) failed: \(error)")
        }
        guard response.status == 200 else {
            throw IdentitySetupError(.keysUnreachable, "fetching the key set from \(url) answered \(response.status)")
        }
        return try KeySet(jwks: response.body)
    }

    /// A fresh key set, or nil when the last fetch was less than ``floor`` ago or this one failed.
    public func refreshIfAllowed() async -> KeySet? {
        if let lastFetch, ContinuousClock.now - lastFetch < floor { return nil }
        return try? await fetch()
    }
}
