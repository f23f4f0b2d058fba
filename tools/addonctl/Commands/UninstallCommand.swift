import Foundation

/// `addonctl uninstall <id> [--keep-data] [--cascade]`: uninstalls an addon from a running host
/// and prints what was removed; `addonctl remove-package <id> <version>` then takes a version
/// out of the host's catalog (refused while it is installed).
enum UninstallCommand {
    static func run(_ options: Options) async throws {
        let id = try options.required(0, "addon id")
        let client = try AdminClient(options)
        let query = [("keep_data", options.flag("keep-data")), ("cascade", options.flag("cascade"))].filter(\.1).map { "\($0.0)=true" }.joined(separator: "&")
        let answer = try await client.send("DELETE", "/api/v1/marketplace/uninstall/\(id)" + (query.isEmpty ? "" : "?" + query), what: "uninstall of \(id)")
        let residue = (answer["residue"] as? [Any]) ?? []
        print("uninstalled \(id)" + (residue.isEmpty ? "; nothing left behind" : "; left behind: \(residue)"))
    }

    static func removePackage(_ options: Options) async throws {
        let id = try options.required(0, "addon id")
        let version = try options.required(1, "version")
        let answer = try await AdminClient(options).send("DELETE", "/api/v1/marketplace/packages/\(id)/\(version)", what: "removal of \(id) \(version) from the catalog")
        let remaining = (answer["remainingVersions"] as? [String]) ?? []
        print("removed \(id) \(version) from the catalog" + (remaining.isEmpty ? "" : "; it still holds \(remaining.joined(separator: ", "))"))
    }
}
