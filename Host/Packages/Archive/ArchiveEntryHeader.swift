import CArchive

/// A copy of the parts of a tar header that decide whether an entry is safe.
struct ArchiveEntryHeader {
    /// The name as stored, or `nil` if it is not valid UTF-8.
    let pathname: String?
    /// `BERTH_AE_IF*` type bits.
    let fileType: UInt32
    /// Set for a symbolic link.
    let symlinkTarget: String?
    /// Set for a hard link.
    let hardlinkTarget: String?
    /// The declared size, if the header has one.
    let size: Int64?
    /// Whether the entry is a sparse file (data with holes).
    let isSparse: Bool

    init(_ entry: OpaquePointer) {
        pathname = archive_entry_pathname(entry).flatMap { String(validatingCString: $0) }
        fileType = archive_entry_filetype(entry)
        symlinkTarget = archive_entry_symlink(entry).map { String(cString: $0) }
        hardlinkTarget = archive_entry_hardlink(entry).map { String(cString: $0) }
        size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        isSparse = archive_entry_sparse_count(entry) > 0
    }

    /// The name for messages, even when it is not valid UTF-8.
    var displayName: String { pathname ?? "<name not valid UTF-8>" }
}

extension ArchiveEntryHeader {
    /// The two kinds of entry a package may hold.
    enum Kind {
        case regularFile
        case directory
    }

    /// The entry's kind, or `link_entry` / `special_file` naming the entry.
    ///
    /// Links are refused outright rather than resolved: a link inside the staging folder could
    /// later point a write, or the loader, anywhere on the host.
    func kind() throws(PackageError) -> Kind {
        if let hardlinkTarget {
            throw PackageError.linkEntry(displayName, kind: "hard link", target: hardlinkTarget)
        }
        if let symlinkTarget {
            throw PackageError.linkEntry(displayName, kind: "symbolic link", target: symlinkTarget)
        }
        switch Int(fileType) {
        case BERTH_AE_IFREG:
            if isSparse { throw PackageError.specialFile(displayName, kind: "sparse file") }
            return .regularFile
        case BERTH_AE_IFDIR: return .directory
        case BERTH_AE_IFLNK: throw PackageError.linkEntry(displayName, kind: "symbolic link", target: "")
        case BERTH_AE_IFCHR: throw PackageError.specialFile(displayName, kind: "character device")
        case BERTH_AE_IFBLK: throw PackageError.specialFile(displayName, kind: "block device")
        case BERTH_AE_IFIFO: throw PackageError.specialFile(displayName, kind: "named pipe (FIFO)")
        case BERTH_AE_IFSOCK: throw PackageError.specialFile(displayName, kind: "socket")
        default: throw PackageError.specialFile(displayName, kind: "entry of unknown type 0o\(String(fileType, radix: 8))")
        }
    }
}
