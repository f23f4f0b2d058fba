import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `addonctl install <package>`: uploads the package to a running host and installs it, through
/// the admin API.
enum InstallCommand {
    static func run(_ options: Options) async throws {
        let archive = try options.required(0, "package file")
        guard let body = FileManager.default.contents(atPath: archive) else { throw CLIError("\(archive): cannot be read") }
        let base = options["url"] ?? ProcessInfo.processInfo.environment["BERTH_URL"] ?? "http://127.0.0.1:8080"
        guard let token = options["token"] ?? ProcessInfo.processInfo.environment["BERTH_ADMIN_TOKEN"] else {
            throw CLIError.usage("give the admin token with --token or BERTH_ADMIN_TOKEN")
        }
        let uploaded = try await send("POST", base + "/api/v1/marketplace/packages", token: token, body: body, what: "upload of \(archive)")
        guard let manifest = uploaded["manifest"] as? [String: Any], let id = manifest["id"] as? String, let version = manifest["version"] as? String else {
            throw CLIError("\(base): the upload answer has no manifest")
        }
        var request: [String: Any] = ["id": id, "version": version]
        if let config = options["config"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(config.utf8)) else { throw CLIError.usage("--config must be a JSON object") }
            request["config"] = object
        }
        let installed = try await send("POST", base + "/api/v1/marketplace/install", token: token, body: try JSONSerialization.data(withJSONObject: request), what: "install of \(id) \(version)")
        let routes = (installed["routes"] as? [String]) ?? []
        print("installed \(id) \(version) under \(installed["mountPrefix"] as? String ?? "?") with \(routes.count) routes")
        routes.forEach { print("  \($0)") }
    }

    private static func send(_ method: String, _ url: String, token: String, body: Data, what: String) async throws -> [String: Any] {
        guard let address = URL(string: url) else { throw CLIError.usage("\(url) is not a URL") }
        var request = URLRequest(url: address)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = body
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("\(url): cannot reach the host: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard (200 ..< 300).contains(status) else {
            let error = object["error"] as? [String: Any]
            throw CLIError("\(what) refused (\(status) \(error?["code"] as? String ?? "")): \(error?["message"] as? String ?? String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
