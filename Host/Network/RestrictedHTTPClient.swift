import Dispatch
import Foundation
import PluginAPI

/// An addon's outgoing HTTP: only to the hosts granted as `network:<host>` or
/// `network:<host>:<port>`, without redirects, on dispatch threads so no HTTP or Swift
/// concurrency thread waits for the network.
public struct RestrictedHTTPClient: HTTPClient {
    /// The addon the client belongs to, for messages.
    public let addonID: String
    /// Granted `host` or `host:port` entries.
    public let allowed: Set<String>
    /// Longest a request may take.
    public let timeoutMilliseconds: Int
    /// Largest response body accepted.
    public let maxResponseBytes: Int

    /// Creates a client from the addon's permissions (`network:` entries are used).
    public init(addonID: String, permissions: [String], timeoutMilliseconds: Int = 30_000, maxResponseBytes: Int = 16 << 20) {
        self.addonID = addonID
        self.allowed = Set(permissions.filter { $0.hasPrefix("network:") }.map { String($0.dropFirst("network:".count)).lowercased() })
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends the request if its host is granted.
    public func send(_ request: OutgoingRequest) async throws -> Response {
        try authorize(request.url)
        let timeout = timeoutMilliseconds
        let limit = maxResponseBytes
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try CurlTransfer.perform(request, timeoutMilliseconds: timeout, maxResponseBytes: limit))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Refuses a URL whose scheme is not http(s) or whose host (and port) is not granted.
    func authorize(_ url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty else {
            throw CurlError.invalidURL(url)
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard allowed.contains(host) || allowed.contains("\(host):\(port)") else {
            throw CurlError.notAllowed("addon \(addonID) may not reach \(host):\(port); its manifest grants \(allowed.isEmpty ? "no network access" : allowed.sorted().joined(separator: ", ")) (add 'network:\(host)')")
        }
    }
}
