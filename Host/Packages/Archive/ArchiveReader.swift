import CArchive

/// The internal layer over libarchive's reader: one open archive, freed exactly once.
///
/// Entry headers are copied into ``ArchiveEntryHeader`` values because libarchive reuses the
/// entry object on the next header; no libarchive pointer leaves this type.
struct ArchiveReader: ~Copyable {
    private let handle: OpaquePointer
    let path: String

    /// Opens `path` as a tar archive, optionally gzip-compressed (the caller insists on gzip
    /// once the first header has been read, see ``isGzipCompressed``).
    init(path: String) throws(PackageError) {
        // Tell "no such file" (the caller's problem) from "not an archive" (the uploader's).
        _ = try FileDescriptor.openForReading(path)
        guard let handle = archive_read_new() else { throw PackageError.ioError("archive_read_new failed") }
        do {
            try Self.open(handle, path: path)
        } catch {
            archive_read_free(handle)
            throw error
        }
        self.handle = handle
        self.path = path
    }

    private static func open(_ handle: OpaquePointer, path: String) throws(PackageError) {
        let setupError: (String) -> PackageError = { PackageError.ioError($0) }
        try ArchiveCall.check(archive_read_support_filter_gzip(handle), handle, "gzip support", makeError: setupError)
        try ArchiveCall.check(archive_read_support_format_tar(handle), handle, "tar support", makeError: setupError)
        try ArchiveCall.check(
            archive_read_open_filename(handle, path, 64 * 1024), handle, "opening '\(path)'",
            makeError: PackageError.notAnArchive
        )
    }

    deinit {
        archive_read_free(handle)
    }

    /// `true` when the data went through exactly one gzip layer; only meaningful after the first
    /// call to ``nextHeader()``, when libarchive has sniffed the stream.
    var isGzipCompressed: Bool {
        archive_filter_count(handle) == 2 && archive_filter_code(handle, 0) == ARCHIVE_FILTER_GZIP
    }

    /// The next entry's header, or `nil` at the end of the archive.
    func nextHeader() throws(PackageError) -> ArchiveEntryHeader? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        try ArchiveCall.check(status, handle, "reading the next entry header", makeError: PackageError.notAnArchive)
        guard let entry else { throw PackageError.notAnArchive("libarchive returned no entry") }
        return ArchiveEntryHeader(entry)
    }

    /// Streams the current entry's data to `body` block by block; each buffer is valid only
    /// during its call. `offset` is where the block belongs in the file (gaps mean a sparse file).
    func forEachBlock(
        entry name: String,
        _ body: (_ block: UnsafeRawBufferPointer, _ offset: Int64) throws(PackageError) -> Void
    ) throws(PackageError) {
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(handle, &buffer, &size, &offset)
            if status == ARCHIVE_EOF { return }
            try ArchiveCall.check(status, handle, "reading entry '\(name)'", makeError: PackageError.notAnArchive)
            try body(UnsafeRawBufferPointer(start: buffer, count: size), offset)
        }
    }
}
