/// What one archive entry holds, for ``ArchiveWriter``.
///
/// Packages use ``bytes(_:)`` and ``file(_:)`` only. The other cases exist so that tests (and
/// anyone checking a host) can build the hostile archives ``ArchiveExtractor`` must refuse.
public enum ArchiveContents: Sendable {
    /// A regular file with these bytes.
    case bytes([UInt8])
    /// A regular file copied from this path, streamed in chunks.
    case file(String)
    /// A directory entry.
    case directory
    /// A symbolic link to `target` (refused by the extractor).
    case symlink(target: String)
    /// A hard link to the earlier entry `target` (refused by the extractor).
    case hardlink(target: String)
    /// A named pipe (refused by the extractor).
    case fifo
    /// A character device (refused by the extractor).
    case characterDevice
}
