/// The state of one ``ArchiveExtractor`` run: what has been written, and how much of the budget
/// is used. Paths are tracked so that a repeated or overlapping name is refused by name rather
/// than surfacing as a bare `EEXIST` from the file system.
struct ExtractionRun {
    private var budget: ExtractionBudget
    private var files: Set<String> = []
    private var directories: Set<String> = []
    private var extracted: [ExtractedFile] = []

    init(budget: ExtractionBudget) {
        self.budget = budget
    }

    mutating func extractAll(from reader: borrowing ArchiveReader, into staging: borrowing StagingDirectory) throws(PackageError) -> [ExtractedFile] {
        var first = true
        while let header = try reader.nextHeader() {
            if first {
                guard reader.isGzipCompressed else { throw PackageError.notAnArchive("the tar stream is not gzip-compressed") }
                first = false
            }
            try budget.countEntry(header.displayName)
            let kind = try header.kind()
            let components = try ArchivePath.components(of: header.pathname, isDirectory: kind == .directory)
            try checkConflicts(components, kind: kind, name: header.displayName)
            switch kind {
            case .directory:
                _ = try staging.directory(components[...])
                directories.insert(components.joined(separator: "/"))
            case .regularFile:
                try budget.admit(declaredSize: header.size, of: header.displayName)
                extracted.append(try writeFile(header.displayName, components, from: reader, into: staging))
                files.insert(components.joined(separator: "/"))
                for end in 1..<components.count { directories.insert(components[..<end].joined(separator: "/")) }
            }
        }
        if first, !reader.isGzipCompressed {
            throw PackageError.notAnArchive("the file is empty or not gzip-compressed")
        }
        return extracted
    }

    /// A name may appear once; a file may not also be a folder, or sit below another file.
    private func checkConflicts(_ components: [String], kind: ArchiveEntryHeader.Kind, name: String) throws(PackageError) {
        let joined = components.joined(separator: "/")
        if files.contains(joined) || (kind == .regularFile && directories.contains(joined)) {
            throw PackageError.duplicateEntry(name)
        }
        for end in 1..<max(components.count, 1) where files.contains(components[..<end].joined(separator: "/")) {
            throw PackageError.unsafePath(name, "'\(components[..<end].joined(separator: "/"))' is a file, not a folder")
        }
    }

    private mutating func writeFile(
        _ name: String,
        _ components: [String],
        from reader: borrowing ArchiveReader,
        into staging: borrowing StagingDirectory
    ) throws(PackageError) -> ExtractedFile {
        let target = "\(staging.path)/\(components.joined(separator: "/"))"
        let file = try staging.createFile(components)
        var hasher = SHA256Hasher()
        var written = 0
        try reader.forEachBlock(entry: name) { (block, offset) throws(PackageError) in
            // Sparse entries are refused up front; a gap here means a corrupt stream.
            guard offset == Int64(written) else { throw PackageError.notAnArchive("entry '\(name)' has data out of order") }
            written += block.count
            try budget.consume(block.count, entryBytes: written, of: name)
            hasher.update(block)
            try file.writeAll(block, path: target)
        }
        try file.sync(path: target)
        return ExtractedFile(path: components.joined(separator: "/"), size: written, sha256: hasher.finalizeHex())
    }
}
