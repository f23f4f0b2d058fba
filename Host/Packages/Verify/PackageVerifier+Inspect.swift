extension PackageVerifier {
    /// Reads `manifest.json` from an archive without unpacking anything to disk and **without
    /// verifying** the signature or the files: for showing what a package claims (`addonctl inspect`),
    /// never for deciding to install it.
    ///
    /// Throws `missing_manifest` if there is none, `invalid_manifest` if it does not decode, or the
    /// extractor's codes for an unreadable or hostile archive.
    public static func inspect(archive: String, limits: ArchiveExtractor.Limits = .init()) throws(PackageError) -> Manifest {
        let reader = try ArchiveReader(path: archive)
        var entries = 0
        while let header = try reader.nextHeader() {
            if entries == 0, !reader.isGzipCompressed {
                throw PackageError.notAnArchive("the tar stream is not gzip-compressed")
            }
            entries += 1
            if entries > limits.maxEntries { throw PackageError.tooManyEntries(header.displayName, limit: limits.maxEntries) }
            guard header.pathname == manifestPath else { continue }
            guard try header.kind() == .regularFile else { throw PackageError.missingManifest() }
            return try Manifest.decode(try readInMemory(reader, entry: manifestPath))
        }
        throw PackageError.missingManifest()
    }

    /// The current entry's bytes, capped at ``maxManifestBytes``.
    private static func readInMemory(_ reader: borrowing ArchiveReader, entry: String) throws(PackageError) -> [UInt8] {
        var bytes: [UInt8] = []
        try reader.forEachBlock(entry: entry) { (block, _) throws(PackageError) in
            guard bytes.count + block.count <= maxManifestBytes else {
                throw PackageError.invalidManifest("\(entry) is larger than \(maxManifestBytes) bytes")
            }
            bytes.append(contentsOf: block)
        }
        return bytes
    }
}
