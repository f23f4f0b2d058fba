extension ArchiveExtractor {
    /// Bounds on what an archive may unpack to, checked while streaming so that a hostile archive
    /// is stopped before it fills the disk.
    public struct Limits: Sendable, Hashable {
        /// Most entries (files and directories) an archive may hold.
        public var maxEntries: Int
        /// Most bytes all files together may unpack to.
        public var maxTotalBytes: Int
        /// Most bytes one file may unpack to.
        public var maxEntryBytes: Int
        /// Most times larger the unpacked bytes may be than the archive file.
        public var maxCompressionRatio: Int
        /// Bytes that may unpack before the ratio applies: a small package of text (SQL, JSON)
        /// legitimately compresses very well, and at this size it cannot hurt anyone.
        public var compressionRatioGraceBytes: Int

        /// Limits suited to addon packages; the defaults are generous for any real addon.
        public init(
            maxEntries: Int = 1000,
            maxTotalBytes: Int = 256 << 20,
            maxEntryBytes: Int = 128 << 20,
            maxCompressionRatio: Int = 200,
            compressionRatioGraceBytes: Int = 1 << 20
        ) {
            self.maxEntries = maxEntries
            self.maxTotalBytes = maxTotalBytes
            self.maxEntryBytes = maxEntryBytes
            self.maxCompressionRatio = maxCompressionRatio
            self.compressionRatioGraceBytes = compressionRatioGraceBytes
        }
    }
}
