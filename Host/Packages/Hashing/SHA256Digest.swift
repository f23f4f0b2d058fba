/// SHA-256 as lowercase hex, the form used by `Manifest.files` and archive checksums.
public enum SHA256Digest {
    /// The digest of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    /// The digest of the file at `path`, read in chunks so the file's size does not matter.
    ///
    /// Throws `io_error` naming the path if the file cannot be opened or read.
    public static func hex(fileAt path: String) throws(PackageError) -> String {
        let file = try FileDescriptor.openForReading(path)
        var hasher = SHA256Hasher()
        try file.forEachChunk(path: path) { chunk in hasher.update(chunk) }
        return hasher.finalizeHex()
    }
}
