import BerthPackages

/// A package in the local catalog: verified when it was added, verified again at install.
public struct CatalogPackage: Codable, Sendable, Hashable {
    /// The signed manifest.
    public var manifest: Manifest
    /// Id of the trusted key that signed it.
    public var signer: String
    /// SHA-256 of the archive.
    public var archiveSHA256: String
    /// The archive, relative to the home.
    public var archive: String
    /// When it was added (ISO 8601).
    public var addedAt: String
}
