extension PackageVerifier {
    /// Every file in the archive is listed with the same hash, and every listed file is there.
    ///
    /// Paths are checked in sorted order so that the same package always fails the same way.
    func checkFiles(_ extracted: [ExtractedFile], against manifest: Manifest) throws(PackageError) {
        let signed: Set<String> = [Self.manifestPath, Self.signaturePath]
        var actual: [String: String] = [:]
        for file in extracted where !signed.contains(file.path) {
            actual[file.path] = file.sha256
        }
        for path in actual.keys.sorted() where manifest.files[path] == nil {
            throw PackageError.unlistedFile(path)
        }
        for (path, expected) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard let hash = actual[path] else { throw PackageError.missingFile(path) }
            guard hash == expected else { throw PackageError.hashMismatch(path, expected: expected, actual: hash) }
        }
    }
}
