import Foundation
import PluginAPI

extension AddonHarness {
    /// Whether the route template `template` (`/items/:id`) matches `path`, filling `parameters`.
    static func match(_ template: String, _ path: String, into parameters: inout [String: String]) -> Bool {
        let wanted = template.split(separator: "/", omittingEmptySubsequences: true)
        let given = path.split(separator: "/", omittingEmptySubsequences: true)
        guard wanted.count == given.count else { return false }
        var found: [String: String] = [:]
        for (segment, value) in zip(wanted, given) {
            if segment.hasPrefix(":") {
                found[String(segment.dropFirst())] = String(value).removingPercentEncoding ?? String(value)
            } else if segment != value {
                return false
            }
        }
        parameters = found
        return true
    }

    static func split(_ path: String) -> (String, [(name: String, value: String)]) {
        guard let mark = path.firstIndex(of: "?") else { return (path, []) }
        let query = path[path.index(after: mark)...].split(separator: "&").map { pair -> (name: String, value: String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        return (String(path[..<mark]), query)
    }

    static func errorResponse(_ error: HTTPError) -> Response {
        let body = try? JSONSerialization.data(withJSONObject: ["error": ["code": error.code, "message": error.message]], options: [.sortedKeys])
        return .json(raw: Array(body ?? Data()), status: error.status)
    }

    /// The nearest folder above `file` that holds an `addon.json`: the addon package of a test file.
    public static func packageRoot(above file: String) -> String? {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.path + "/addon.json") { return folder.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    static func manifestPermissions(_ root: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: root + "/addon.json") else { return [] }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestDatabaseError("\(root)/addon.json: not a JSON object")
        }
        return object["permissions"] as? [String] ?? []
    }
}

extension Response {
    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded from JSON as `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body))
    }
}
