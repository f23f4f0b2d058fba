/// Packs and signs an addon package: the producer side of ``PackageVerifier``.
///
/// The builder fills in ``Manifest/files`` (hashing each source file) and
/// ``Manifest/signingKey``, validates the result with ``Manifest/validate()`` so that a bad
/// manifest fails at pack time rather than at install, signs the canonical `manifest.json`
/// and writes the archive with the manifest and signature first.
public struct PackageBuilder: Sendable {
    /// The manifest to pack; its `files` and `signingKey` are overwritten.
    public var manifest: Manifest
    /// Files to pack: path inside the archive → file on disk.
    public var files: [(archivePath: String, sourcePath: String)]
    /// The key that signs the manifest.
    public var signingKey: SigningKey

    /// A builder for `manifest` with `files`, signed by `signingKey`.
    public init(manifest: Manifest, files: [(archivePath: String, sourcePath: String)], signingKey: SigningKey) {
        self.manifest = manifest
        self.files = files
        self.signingKey = signingKey
    }

    /// Writes the signed package to `archivePath` and returns the manifest as packed.
    ///
    /// Throws `invalid_manifest` if the completed manifest does not validate or two files share
    /// an archive path, `io_error` if a source cannot be read or the archive cannot be written.
    @discardableResult
    public func build(to archivePath: String) throws(PackageError) -> Manifest {
        var packed = manifest
        packed.files = try hashes()
        packed.signingKey = signingKey.publicKey.id
        try packed.validate()
        let manifestBytes = try packed.canonicalJSON()
        let signature = try signingKey.sign(manifestBytes)
        var entries: [(path: String, contents: ArchiveContents)] = [
            (PackageVerifier.manifestPath, .bytes(manifestBytes)),
            (PackageVerifier.signaturePath, .bytes(signature)),
        ]
        entries += files.sorted { $0.archivePath < $1.archivePath }.map { ($0.archivePath, .file($0.sourcePath)) }
        try ArchiveWriter.write(to: archivePath, entries: entries)
        return packed
    }

    private func hashes() throws(PackageError) -> [String: String] {
        var result: [String: String] = [:]
        for file in files {
            guard result[file.archivePath] == nil else {
                throw PackageError.invalidManifest("'\(file.archivePath)' is given twice")
            }
            guard (try? ArchivePath.components(of: file.archivePath, isDirectory: false)) != nil else {
                throw PackageError.invalidManifest("'\(file.archivePath)' is not a safe relative archive path")
            }
            result[file.archivePath] = try SHA256Digest.hex(fileAt: file.sourcePath)
        }
        return result
    }
}
