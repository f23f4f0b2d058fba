import Foundation
import PluginAPI

/// JSON in and out of handlers, with Foundation's serialisation.
enum JSON {
    /// Decodes a request body that must be a JSON object (an empty body is an empty object).
    static func object(_ body: [UInt8]) throws -> [String: Any] {
        guard !body.isEmpty else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw HTTPError.badRequest("the body must be a JSON object")
        }
        return object
    }

    /// Encodes a JSON object or array as the response body.
    static func response(_ value: Any, status: Int = 200) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return .json(raw: Array(data), status: status)
    }
}
