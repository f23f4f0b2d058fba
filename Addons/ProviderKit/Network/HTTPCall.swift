import Foundation
import PluginAPI

/// Sending a built request through the host's client within a deadline, for the HTTP APIs.
enum HTTPCall {
    /// Sends `request`; a non-2xx answer throws ``ProviderError`` naming `provider` and the body's start.
    static func send(_ request: OutgoingRequest, through http: any HTTPClient, timeout: Duration, provider: String) async throws -> Response {
        let response: Response
        do {
            response = try await withDeadline(timeout, "\(provider): \(request.method) \(request.url)") { try await http.send(request) }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(.connectionFailed, "\(provider): \(request.method) \(request.url) failed: \(error)", cause: error)
        }
        guard (200..<300).contains(response.status) else {
            throw ProviderError(.refused, "\(provider) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return response
    }

    /// The JSON object of a body, or a protocol error naming `provider`.
    static func object(_ body: [UInt8], _ provider: String) throws -> JSONValue {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)), case .object = value else {
            throw ProviderError(.protocolViolation, "\(provider) answered without a JSON object")
        }
        return value
    }

    /// `value` as JSON with sorted keys.
    static func json(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("null".utf8)
    }
}
