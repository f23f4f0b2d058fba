extension AddonManager {
    /// What `DELETE /api/v1/marketplace/packages/{id}/{version}` answers.
    struct CatalogRemoval: Encodable, Sendable {
        let removed: CatalogPackage
        /// The versions of the id the catalog still holds.
        let remainingVersions: [String]
    }

    /// Removes a package version from the catalog; refused with 409 `package_installed` while that
    /// version is the installed one, and 404 `package_not_found` for a version the catalog lacks.
    func removePackage(id: String, version: String) async throws -> CatalogRemoval {
        try await locked("remove \(id) \(version) from the catalog") {
            let package = try catalogPackage(id: id, version: version)
            if registry[id]?.version == version {
                throw BerthError.conflict("package_installed", "\(id) \(version) is installed: uninstall it (DELETE /api/v1/marketplace/uninstall/\(id)) or upgrade it to another version before removing this package from the catalog")
            }
            try catalog.remove(package)
            logger.info("catalog: removed \(id) \(version)")
            return CatalogRemoval(removed: package, remainingVersions: catalog.all().filter { $0.manifest.id == id }.map(\.manifest.version))
        }
    }
}
