import BerthHTTP
import BerthPackages
import Foundation
import PluginAPI

/// The host's own routes: `/health` and the admin API under `/api/v1`.
struct AdminAPI: Sendable {
    let manager: AddonManager
    let authenticator: AdminAuthenticator
    /// Largest package upload accepted, streamed to disk as it arrives.
    let maxPackageBytes: Int
    /// In cluster mode, installs, upgrades and uninstalls go through this node to every node.
    var cluster: ClusterNode? = nil
    /// The live trust store `/api/v1/trusted-keys` lists and changes.
    var trustStore: TrustStore? = nil
    /// The web console under `/admin`; its session cookie (with its CSRF token) is accepted where
    /// the bearer token is.
    var console: ConsoleRoutes? = nil
    /// The metrics, logs and health the per-addon endpoints read.
    var observability: HostObservability? = nil
    /// The job runner `/api/v1/addons/{id}/jobs` reads and runs through.
    var jobs: JobRunner? = nil

    static let owner = "berth"

    /// Adds the host's routes to `table`.
    func register(in table: inout RoutingTable) throws {
        try table.add(.get, "/health", owner: Self.owner, immediate: { _ in
            .json(raw: Array("{\"status\":\"ok\"}".utf8))
        })
        try registerPolicies(in: &table)
        try console?.register(in: &table, owner: Self.owner)
        try admin(.post, "/api/v1/marketplace/packages", in: &table, body: .spooled(limit: maxPackageBytes)) { _, upload in
            guard let upload, upload.size > 0 else { throw BerthError.badRequest("send the package archive as the request body") }
            let kept = try Self.keep(upload)
            defer { try? FileSystem.remove(kept) }
            let (package, created) = try await manager.addPackage(archiveAt: kept)
            await cluster?.share(package)
            return JSONResponse.make(package, status: created ? 201 : 200)
        }
        try registerProviders(in: &table)
        try admin(.get, "/api/v1/marketplace/packages", in: &table) { _, _ in
            JSONResponse.make(["packages": await manager.catalogPackages()])
        }
        try admin(.post, "/api/v1/marketplace/install", in: &table) { request, _ in
            let body = try Self.decode(AddonManager.InstallRequest.self, from: request)
            if let cluster { return JSONResponse.make(try await cluster.install(body), status: 201) }
            return JSONResponse.make(try await manager.install(body), status: 201)
        }
        try admin(.delete, "/api/v1/marketplace/uninstall/:id", in: &table) { request, _ in
            let options = AddonManager.UninstallOptions(keepData: try Self.flag("keep_data", in: request), cascade: try Self.flag("cascade", in: request))
            if let cluster { return JSONResponse.make(try await cluster.uninstall(request.parameters["id"] ?? "", options: options)) }
            return JSONResponse.make(try await manager.uninstall(request.parameters["id"] ?? "", options: options))
        }
        try admin(.post, "/api/v1/addons/:id/upgrade", in: &table) { request, _ in
            let body = request.body.isEmpty ? AddonManager.UpgradeRequest(version: nil, force: nil) : try Self.decode(AddonManager.UpgradeRequest.self, from: request)
            if let cluster { return JSONResponse.make(try await cluster.upgrade(request.parameters["id"] ?? "", body)) }
            return JSONResponse.make(try await manager.upgrade(request.parameters["id"] ?? "", body))
        }
        try admin(.get, "/api/v1/addons/:id/events", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            let events = await manager.history(of: id)
            // An uninstalled addon keeps its history; an id that never was one is not found.
            if events.isEmpty, (try? await manager.addon(id)) == nil {
                throw BerthError.notFound("addon_not_found", "no addon '\(id)' is installed or has a lifecycle history here")
            }
            return JSONResponse.make(["events": events])
        }
        try admin(.get, "/api/v1/cluster", in: &table) { [cluster] _, _ in
            guard let cluster else {
                throw BerthError.notFound("cluster_disabled", "this host is not part of a cluster: start it with BERTH_CLUSTER=1 and BERTH_DATABASE_URL=postgres://…")
            }
            return JSONResponse.make(try await cluster.overview())
        }
        try registerTrustedKeys(in: &table)
        try registerCatalogRemoval(in: &table)
        try registerNavigation(in: &table)
        try registerAudit(in: &table)
        try registerJobs(in: &table)
        try registerEvents(in: &table)
        try admin(.get, "/api/v1/host", in: &table) { _, _ in
            JSONResponse.make(HostReport.current)
        }
        try admin(.get, "/api/v1/addons", in: &table) { _, _ in
            JSONResponse.make(["addons": await manager.listAddons()])
        }
        try admin(.get, "/api/v1/addons/:id", in: &table) { request, _ in
            JSONResponse.make(try await addonDetail(request.parameters["id"] ?? ""))
        }
        try registerMetrics(in: &table)
        try registerLogs(in: &table)
        try admin(.post, "/api/v1/addons/:id/activate", in: &table) { request, _ in
            JSONResponse.make(try await manager.activate(request.parameters["id"] ?? ""))
        }
        try admin(.post, "/api/v1/addons/:id/deactivate", in: &table) { request, _ in
            JSONResponse.make(try await manager.deactivate(request.parameters["id"] ?? ""))
        }
        try admin(.get, "/api/v1/addons/:id/config", in: &table) { request, _ in
            JSONResponse.make(try await manager.configuration(of: request.parameters["id"] ?? ""))
        }
        try admin(.patch, "/api/v1/addons/:id/config", in: &table) { request, _ in
            let changes = try Self.decode([String: JSONValue].self, from: request)
            return JSONResponse.make(try await manager.updateConfiguration(of: request.parameters["id"] ?? "", changes: changes))
        }
    }

    /// Registers a route that needs the admin token and answers errors as JSON.
    func admin(
        _ method: HTTPMethod, _ pattern: String, in table: inout RoutingTable, body: BodyPolicy = .buffered(limit: 1 << 20),
        _ handler: @escaping @Sendable (Request, UploadedFile?) async throws -> Response
    ) throws {
        let authenticator = authenticator, sessions = console?.sessions
        // The caller is the admin with the bearer token, or the console with its session cookie
        // (and, for a change, its CSRF token). The header check refuses anyone else before any
        // body byte is read (an anonymous upload never reaches the disk); the handler's own check
        // covers bodiless requests.
        @Sendable func refusal(_ request: Request) -> Response? {
            if authenticator.isAuthorized(request) { return nil }
            switch sessions?.verdict(for: request) ?? .none {
            case .admitted: return nil
            case .refused(let refusal): return refusal
            case .none: return AdminAuthenticator.unauthorized
            }
        }
        let headerCheck: HeaderCheck = { headers in
            refusal(Request(method: method, path: pattern, headers: headers))
        }
        try table.add(method, pattern, owner: Self.owner, body: body, headerCheck: headerCheck) { request, upload in
            if let refused = refusal(request) { return refused }
            do {
                return try await handler(request, upload)
            } catch {
                return JSONResponse.error(error)
            }
        }
    }

    /// Moves an upload out of the server's spool (which deletes it after the handler) so the
    /// catalog can keep it.
    private static func keep(_ upload: UploadedFile) throws -> String {
        let kept = upload.path + ".kept"
        try FileManager.default.moveItem(atPath: upload.path, toPath: kept)
        return kept
    }

    /// A boolean query parameter (`true`/`false`/`1`/`0`); anything else is a 400.
    static func flag(_ name: String, in request: Request) throws -> Bool {
        guard let value = request.queryValue(name) else { return false }
        switch value.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no", "": return false
        default: throw BerthError.badRequest("query parameter \(name)=\(value) must be true or false")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from request: Request) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(request.body))
        } catch DecodingError.keyNotFound(let key, _) {
            throw BerthError.badRequest("the JSON body lacks the field '\(key.stringValue)'")
        } catch DecodingError.typeMismatch(_, let context) {
            throw BerthError.badRequest("the JSON body has a field of the wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw BerthError.badRequest("the body is not the JSON this endpoint expects: \(error)")
        }
    }
}
