import Foundation

/// `addonctl upgrade <package.berth | id> [--version V] [--force]`: uploads a package (when given
/// a file) and upgrades the installed addon to it, keeping its data; with an id, upgrades to
/// `--version` or the catalog's newest.
enum UpgradeCommand {
    static func run(_ options: Options) async throws {
        let target = try options.required(0, "package file or addon id")
        let client = try AdminClient(options)
        var id = target
        var version = options["version"]
        if target.hasSuffix(".berth") || FileManager.default.fileExists(atPath: target) {
            let uploaded = try await client.upload(target)
            id = uploaded.id
            version = version ?? uploaded.version
        }
        var request: [String: Any] = [:]
        if let version { request["version"] = version }
        if options.flag("force") { request["force"] = true }
        let answer = try await client.send("POST", "/api/v1/addons/\(id)/upgrade", body: try AdminClient.json(request), what: "upgrade of \(id)")
        InstallCommand.printInstalled(answer, id: id, version: answer["version"] as? String ?? version ?? "?", verb: "upgraded")
    }
}
