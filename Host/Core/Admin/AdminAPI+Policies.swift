import BerthHTTP
import PluginAPI

extension AdminAPI {
    /// `GET`, `PUT` and `DELETE /api/v1/addons/{id}/policies`: the route and CORS policies the host
    /// enforces on an addon, and the admin's overrides of its manifest's.
    func registerPolicies(in table: inout RoutingTable) throws {
        try admin(.get, "/api/v1/addons/:id/policies", in: &table) { request, _ in
            JSONResponse.make(try await manager.policies(of: request.parameters["id"] ?? ""))
        }
        try admin(.put, "/api/v1/addons/:id/policies", in: &table) { request, _ in
            let overrides = try Self.decode(PolicyOverrides.self, from: request)
            return JSONResponse.make(try await manager.updatePolicies(of: request.parameters["id"] ?? "", overrides: overrides))
        }
        try admin(.delete, "/api/v1/addons/:id/policies", in: &table) { request, _ in
            JSONResponse.make(try await manager.updatePolicies(of: request.parameters["id"] ?? "", overrides: nil))
        }
    }
}
