extension Manifest {
    /// SQL dialects a migration may target.
    public static let dialects: Set<String> = ["sqlite", "postgres"]

    /// Checks the fields a decoder cannot: formats, paths, and that every path the manifest
    /// names is covered by ``files``. Throws `invalid_manifest` naming the field.
    ///
    /// Whether ``files`` matches the archive's contents is the verifier's job, not this one's.
    public func validate() throws(PackageError) {
        guard format == 1 else { throw invalid("format", "unsupported manifest format \(format); this host reads format 1") }
        guard Self.isValidID(id) else {
            throw invalid("id", "'\(id)' must be 2–64 characters of a–z, 0–9 and _, starting with a letter")
        }
        guard Self.isValidVersion(version) else {
            throw invalid("version", "'\(version)' is not MAJOR.MINOR.PATCH (optionally -prerelease)")
        }
        try validateMountPrefix()
        guard files[library] != nil else { throw invalid("library", "'\(library)' is not listed in files") }
        for name in ["manifest.json", "manifest.sig"] where files[name] != nil {
            throw invalid("files", "must not list '\(name)'")
        }
        for (path, hash) in files where !Self.isSHA256Hex(hash) {
            throw invalid("files", "hash of '\(path)' is not 64 lowercase hex characters")
        }
        try validateMigrations()
        try validatePolicies()
        try validateNavigation()
    }

    private func validateMountPrefix() throws(PackageError) {
        let prefix = mountPrefix
        guard prefix.hasPrefix("/") else { throw invalid("mountPrefix", "'\(prefix)' must start with '/'") }
        guard prefix != "/" else { throw invalid("mountPrefix", "'/' would cover the whole host") }
        guard !prefix.hasSuffix("/") else { throw invalid("mountPrefix", "'\(prefix)' must not end with '/'") }
        let segments = prefix.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw invalid("mountPrefix", "'\(prefix)' must not contain '..', '.' or empty segments")
        }
    }

    private func validateMigrations() throws(PackageError) {
        var seen: Set<String> = []
        for (index, migration) in migrations.enumerated() {
            let field = "migrations[\(index)]"
            guard !migration.id.isEmpty else { throw invalid("\(field).id", "is empty") }
            guard Self.dialects.contains(migration.dialect) else {
                throw invalid("\(field).dialect", "'\(migration.dialect)' is not one of \(Self.dialects.sorted().joined(separator: ", "))")
            }
            guard seen.insert("\(migration.dialect)/\(migration.id)").inserted else {
                throw invalid("\(field).id", "'\(migration.id)' appears twice for dialect \(migration.dialect)")
            }
            guard files[migration.up] != nil else { throw invalid("\(field).up", "'\(migration.up)' is not listed in files") }
            guard files[migration.down] != nil else { throw invalid("\(field).down", "'\(migration.down)' is not listed in files") }
        }
    }

    private func invalid(_ field: String, _ problem: String) -> PackageError {
        PackageError.invalidManifest("field '\(field)': \(problem)")
    }

    /// `^[a-z][a-z0-9_]{1,63}$`
    static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (2...64).contains(bytes.count), let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    /// `MAJOR.MINOR.PATCH` with an optional `-prerelease` of dot-separated alphanumerics and `-`.
    static func isValidVersion(_ version: String) -> Bool {
        let (core, prerelease) = splitPrerelease(version)
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(isNumericIdentifier) else { return false }
        guard let prerelease else { return true }
        let identifiers = prerelease.split(separator: ".", omittingEmptySubsequences: false)
        return identifiers.allSatisfy { identifier in
            !identifier.isEmpty && identifier.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func splitPrerelease(_ version: String) -> (Substring, Substring?) {
        guard let dash = version.firstIndex(of: "-") else { return (version[...], nil) }
        return (version[..<dash], version[version.index(after: dash)...])
    }

    /// Digits only, no leading zero (so `1.02.3` is refused, as semantic versioning says).
    private static func isNumericIdentifier(_ part: Substring) -> Bool {
        !part.isEmpty && part.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            && !(part.count > 1 && part.hasPrefix("0"))
    }

    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
