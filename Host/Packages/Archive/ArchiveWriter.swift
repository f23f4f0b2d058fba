import CArchive
import Foundation

/// Writes gzip-compressed tar archives (the `.berth` package format) through libarchive.
public struct ArchiveWriter {
    /// Writes `entries`, in order, to a new archive at `path` (replacing any file there).
    ///
    /// Names are written exactly as given, without any cleaning, so that tests can produce
    /// `../evil` or `/etc/passwd` entries. Regular files get mode 0644 (0755 for `.so`), owner 0:0
    /// and a zero timestamp, so that the same inputs always give the same archive.
    /// On failure the partial archive is removed.
    public static func write(to path: String, entries: [(path: String, contents: ArchiveContents)]) throws(PackageError) {
        let make: (String) -> PackageError = { PackageError.ioError("cannot write archive '\(path)': \($0)") }
        guard let handle = archive_write_new() else { throw make("archive_write_new failed") }
        defer { archive_write_free(handle) }
        try ArchiveCall.check(archive_write_add_filter_gzip(handle), handle, "gzip filter", makeError: make)
        // The gzip header otherwise carries the current time, which would make packs irreproducible.
        _ = archive_write_set_filter_option(handle, "gzip", "timestamp", nil)
        try ArchiveCall.check(archive_write_set_format_pax_restricted(handle), handle, "tar format", makeError: make)
        try ArchiveCall.check(archive_write_open_filename(handle, path), handle, "open", makeError: make)
        do {
            for entry in entries {
                try writeEntry(handle, path: entry.path, contents: entry.contents, makeError: make)
            }
            try ArchiveCall.check(archive_write_close(handle), handle, "close", makeError: make)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    private static func writeEntry(
        _ handle: OpaquePointer,
        path: String,
        contents: ArchiveContents,
        makeError make: (String) -> PackageError
    ) throws(PackageError) {
        guard let entry = archive_entry_new() else { throw make("archive_entry_new failed") }
        defer { archive_entry_free(entry) }
        archive_entry_copy_pathname(entry, path)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_mtime(entry, 0, 0)
        archive_entry_set_filetype(entry, contents.fileType)
        archive_entry_set_perm(entry, path.hasSuffix(".so") || contents.fileType == UInt32(BERTH_AE_IFDIR) ? 0o755 : 0o644)
        switch contents {
        case .bytes(let bytes):
            archive_entry_set_size(entry, Int64(bytes.count))
            try ArchiveCall.check(archive_write_header(handle, entry), handle, "header of '\(path)'", makeError: make)
            try writeData(handle, entryPath: path, bytes: bytes, makeError: make)
        case .file(let source):
            let file = try FileDescriptor.openForReading(source)
            let size = try file.size(path: source)
            archive_entry_set_size(entry, Int64(size))
            try ArchiveCall.check(archive_write_header(handle, entry), handle, "header of '\(path)'", makeError: make)
            var written = 0
            try file.forEachChunk(path: source) { (chunk) throws(PackageError) in
                try writeData(handle, entryPath: path, buffer: chunk, makeError: make)
                written += chunk.count
            }
            // libarchive would silently pad or cut a file that changed size under us.
            guard written == size else { throw make("'\(source)' changed size while being packed") }
        case .symlink(let target):
            archive_entry_copy_symlink(entry, target)
            try ArchiveCall.check(archive_write_header(handle, entry), handle, "header of '\(path)'", makeError: make)
        case .hardlink(let target):
            archive_entry_copy_hardlink(entry, target)
            archive_entry_set_size(entry, 0)
            try ArchiveCall.check(archive_write_header(handle, entry), handle, "header of '\(path)'", makeError: make)
        case .directory, .fifo, .characterDevice:
            try ArchiveCall.check(archive_write_header(handle, entry), handle, "header of '\(path)'", makeError: make)
        }
        try ArchiveCall.check(archive_write_finish_entry(handle), handle, "finishing '\(path)'", makeError: make)
    }

    private static func writeData(_ handle: OpaquePointer, entryPath: String, bytes: [UInt8], makeError make: (String) -> PackageError) throws(PackageError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(PackageError) in try writeData(handle, entryPath: entryPath, buffer: buffer, makeError: make) }
        }
        try result.get()
    }

    private static func writeData(_ handle: OpaquePointer, entryPath: String, buffer: UnsafeRawBufferPointer, makeError make: (String) -> PackageError) throws(PackageError) {
        guard buffer.count > 0 else { return }
        let written = archive_write_data(handle, buffer.baseAddress, buffer.count)
        guard written == buffer.count else {
            throw make("data of '\(entryPath)': \(ArchiveCall.errorString(handle))")
        }
    }
}

extension ArchiveContents {
    /// The tar file type; a hard link is a regular file whose header names its target.
    fileprivate var fileType: UInt32 {
        switch self {
        case .bytes, .file, .hardlink: UInt32(BERTH_AE_IFREG)
        case .directory: UInt32(BERTH_AE_IFDIR)
        case .symlink: UInt32(BERTH_AE_IFLNK)
        case .fifo: UInt32(BERTH_AE_IFIFO)
        case .characterDevice: UInt32(BERTH_AE_IFCHR)
        }
    }
}
