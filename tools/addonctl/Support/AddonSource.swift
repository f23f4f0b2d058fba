import BerthPackages
import Foundation
import PluginAPI

/// `addon.json`: what a developer writes beside the addon's sources; `pack` turns it into the
/// signed manifest.
struct AddonSource: Decodable {
    var id: String
    var version: String
    var name: String?
    var description: String?
    /// The SwiftPM product that builds the addon's dynamic library.
    var product: String
    var mountPrefix: String
    var pluginAPI: String?
    var permissions: [String]?
    var dependencies: [String: String]?
    var configSchema: JSONValue?
    var sensitiveKeys: [String]?
    /// Per-route policies (auth, roles, scopes, rate limits, body size, time).
    var routes: [RoutePolicy]?
    /// Which browser origins may call the routes.
    var cors: CORSPolicy?
    /// Scheduled jobs.
    var jobs: [JobDeclaration]?
    /// Pages of `assets/` and their navigation items.
    var navigation: [NavigationItem]?

    static func load(from folder: String) throws -> AddonSource {
        let path = folder + "/addon.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): not found (every addon folder has an addon.json; `addonctl new` writes one)")
        }
        do {
            return try JSONDecoder().decode(AddonSource.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw CLIError("\(path): the field '\(key.stringValue)' is missing")
        } catch DecodingError.typeMismatch(_, let context) {
            throw CLIError("\(path): the field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw CLIError("\(path): not valid JSON: \(error)")
        }
    }
}
