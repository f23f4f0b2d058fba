import BerthHTTP

/// `DELETE /api/v1/marketplace/packages/{id}/{version}`: takes a package version out of the
/// catalog, unless it is installed.
extension AdminAPI {
    func registerCatalogRemoval(in table: inout RoutingTable) throws {
        try admin(.delete, "/api/v1/marketplace/packages/:id/:version", in: &table) { [cluster] request, _ in
            if cluster != nil {
                throw BerthError.conflict("cluster_catalog", "this host's catalog is shared by its cluster through the database; removing a package from it is not supported in cluster mode")
            }
            return JSONResponse.make(try await manager.removePackage(id: request.parameters["id"] ?? "", version: request.parameters["version"] ?? ""))
        }
    }
}
