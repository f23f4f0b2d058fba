import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The admin API of a running host, as addonctl calls it: `--url` (or `BERTH_URL`, default
/// `http://127.0.0.1:8080`) and `--token` (or `BERTH_ADMIN_TOKEN`).
struct AdminClient {
    let base: String
    let token: String

    init(_ options: Options) throws {
        base = options["url"] ?? ProcessInfo.processInfo.environment["BERTH_URL"] ?? "http://127.0.0.1:8080"
        guard let token = options["token"] ?? ProcessInfo.processInfo.environment["BERTH_ADMIN_TOKEN"] else {
            throw CLIError.usage("give the admin token with --token or BERTH_ADMIN_TOKEN")
        }
        self.token = token
    }

    init(base: String, token: String) {
        self.base = base
        self.token = token
    }

    /// Sends one request; a non-2xx answer becomes an error quoting the host's code and message.
    @discardableResult
    func send(_ method: String, _ path: String, body: Data = Data(), what: String) async throws -> [String: Any] {
        let (status, object, data) = try await exchange(method, path, body: body)
        guard (200 ..< 300).contains(status) else {
            let error = object["error"] as? [String: Any]
            throw CLIError("\(what) refused (\(status) \(error?["code"] as? String ?? "")): \(error?["message"] as? String ?? String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// Sends one request and answers its status and JSON object, whatever the status.
    func exchange(_ method: String, _ path: String, body: Data = Data()) async throws -> (status: Int, object: [String: Any], data: Data) {
        let url = base + path
        guard let address = URL(string: url) else { throw CLIError.usage("\(url) is not a URL") }
        var request = URLRequest(url: address)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if !body.isEmpty { request.httpBody = body }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("\(url): cannot reach the host: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:], data)
    }

    /// Uploads a package archive to the catalog; answers its id and version.
    func upload(_ archive: String) async throws -> (id: String, version: String) {
        guard let body = FileManager.default.contents(atPath: archive) else { throw CLIError("\(archive): cannot be read") }
        let uploaded = try await send("POST", "/api/v1/marketplace/packages", body: body, what: "upload of \(archive)")
        guard let manifest = uploaded["manifest"] as? [String: Any], let id = manifest["id"] as? String, let version = manifest["version"] as? String else {
            throw CLIError("\(base): the upload answer has no manifest")
        }
        return (id, version)
    }

    /// The installed version of `id`, or nil when it is not installed.
    func installedVersion(of id: String) async throws -> String? {
        let (status, object, data) = try await exchange("GET", "/api/v1/addons/\(id)")
        if status == 404 { return nil }
        guard status == 200 else { throw CLIError("\(base): GET /api/v1/addons/\(id) answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return object["version"] as? String
    }

    static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object)
    }
}
