/// One regular file written by ``ArchiveExtractor``.
public struct ExtractedFile: Sendable, Hashable {
    /// The path inside the archive (and relative to the extraction folder), e.g. `lib/libGreeter.so`.
    public let path: String
    /// Size in bytes.
    public let size: Int
    /// SHA-256 of the contents as lowercase hex, computed while writing.
    public let sha256: String

    /// Describes an extracted file.
    public init(path: String, size: Int, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}
