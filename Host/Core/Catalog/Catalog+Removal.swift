import Foundation

extension Catalog {
    /// Removes `package`'s folder from the catalog (and its id's folder once empty). The folder is
    /// first renamed into staging, so a failure leaves the package listed and whole, or gone.
    func remove(_ package: CatalogPackage) throws {
        let id = package.manifest.id
        let folder = home.catalogDirectory + "/\(id)/\(package.manifest.version)"
        let doomed = home.stagingDirectory + "/catalog-removal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home.stagingDirectory, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: folder, toPath: doomed)
        try? FileSystem.remove(doomed)
        let idFolder = home.catalogDirectory + "/\(id)"
        if (try? FileManager.default.contentsOfDirectory(atPath: idFolder))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: idFolder)
        }
    }
}
