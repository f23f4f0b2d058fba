import Foundation

/// `addonctl install <package>`: uploads the package to a running host and installs it, through
/// the admin API.
enum InstallCommand {
    static func run(_ options: Options) async throws {
        let archive = try options.required(0, "package file")
        let client = try AdminClient(options)
        let (id, version) = try await client.upload(archive)
        var request: [String: Any] = ["id": id, "version": version]
        if let config = options["config"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(config.utf8)) else { throw CLIError.usage("--config must be a JSON object") }
            request["config"] = object
        }
        let installed = try await client.send("POST", "/api/v1/marketplace/install", body: try AdminClient.json(request), what: "install of \(id) \(version)")
        printInstalled(installed, id: id, version: version, verb: "installed")
    }

    static func printInstalled(_ answer: [String: Any], id: String, version: String, verb: String) {
        let routes = (answer["routes"] as? [String]) ?? []
        print("\(verb) \(id) \(version) under \(answer["mountPrefix"] as? String ?? "?") with \(routes.count) routes")
        routes.forEach { print("  \($0)") }
    }
}
