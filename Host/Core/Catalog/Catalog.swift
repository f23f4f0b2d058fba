import BerthPackages
import Foundation

/// The local catalog of validated packages, `.berth/catalog/<id>/<version>/`.
///
/// A package enters only after its signature, manifest and every file hash were verified; the
/// archive is kept as uploaded and verified again when it is installed.
struct Catalog: Sendable {
    let home: BerthHome
    let verifier: PackageVerifier

    /// Every package in the catalog, by id then version.
    func all() -> [CatalogPackage] {
        let manager = FileManager.default
        var packages: [CatalogPackage] = []
        for id in (try? manager.contentsOfDirectory(atPath: home.catalogDirectory)) ?? [] where id != "incoming" {
            for version in (try? manager.contentsOfDirectory(atPath: home.catalogDirectory + "/\(id)")) ?? [] {
                let record = home.catalogDirectory + "/\(id)/\(version)/package.json"
                if let data = manager.contents(atPath: record), let package = try? JSONDecoder().decode(CatalogPackage.self, from: data) {
                    packages.append(package)
                }
            }
        }
        return packages.sorted { first, second in
            guard first.manifest.id == second.manifest.id else { return first.manifest.id < second.manifest.id }
            return SemanticVersion.precedes(first.manifest.version, second.manifest.version)
        }
    }

    /// The package `id` at `version`, or its newest version when `version` is nil.
    func package(id: String, version: String?) -> CatalogPackage? {
        let candidates = all().filter { $0.manifest.id == id }
        guard let version else { return candidates.last }
        return candidates.first { $0.manifest.version == version }
    }

    /// Verifies the archive at `path` and adds it. The archive file is moved into the catalog.
    /// With `replacingChanged` (development mode), a changed archive under a version the catalog
    /// holds replaces it; otherwise it is refused.
    /// - Returns: the package, and whether it was new (an identical upload is accepted again).
    func add(archiveAt path: String, replacingChanged: Bool = false) throws -> (package: CatalogPackage, created: Bool) {
        let staging = home.stagingDirectory + "/upload-\(UUID().uuidString)"
        let verified: VerifiedPackage
        do {
            verified = try verifier.verify(archive: path, stagingDirectory: staging)
        } catch {
            throw BerthError(status: error.httpStatus, code: error.code, message: error.message, cause: error)
        }
        try? FileSystem.remove(staging)
        let manifest = verified.manifest
        if let existing = package(id: manifest.id, version: manifest.version) {
            guard existing.archiveSHA256 == verified.archiveSHA256 || replacingChanged else {
                throw BerthError.conflict("package_version_exists", "the catalog already holds \(manifest.id) \(manifest.version) with different contents (sha256 \(existing.archiveSHA256.prefix(12))…); publish a new version instead")
            }
            if existing.archiveSHA256 == verified.archiveSHA256 {
                try? FileSystem.remove(path)
                return (existing, false)
            }
        }
        let folder = home.catalogDirectory + "/\(manifest.id)/\(manifest.version)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let archive = folder + "/package.berth"
        try FileSystem.remove(archive)
        try FileManager.default.moveItem(atPath: path, toPath: archive)
        let package = CatalogPackage(
            manifest: manifest, signer: verified.signerKeyID, archiveSHA256: verified.archiveSHA256,
            archive: home.relative(archive), addedAt: ISO8601DateFormatter().string(from: Date())
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileSystem.writeAtomically(try encoder.encode(package), to: folder + "/package.json")
        return (package, true)
    }

    /// Adds every archive waiting in `incoming/`; a refused one is renamed `*.rejected` beside a
    /// `.reason` file, so the refusal is visible and the archive is not tried again.
    func importIncoming(log: (String) -> Void) {
        let incoming = home.incomingDirectory
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? []).sorted() where name.hasSuffix(".berth") {
            let path = incoming + "/" + name
            do {
                let (package, created) = try add(archiveAt: path)
                log("catalog: \(created ? "added" : "already had") \(package.manifest.id) \(package.manifest.version) from \(name)")
            } catch {
                try? FileManager.default.moveItem(atPath: path, toPath: path + ".rejected")
                try? Data("\(error)\n".utf8).write(to: URL(fileURLWithPath: path + ".reason"))
                log("catalog: refused \(name): \(error)")
            }
        }
    }
}
