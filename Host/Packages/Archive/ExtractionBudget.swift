/// Counts what an extraction has used against ``ArchiveExtractor/Limits`` and throws the specific
/// error (naming the entry) the moment a limit is crossed.
struct ExtractionBudget {
    let limits: ArchiveExtractor.Limits
    /// Size of the compressed archive file, the denominator of the compression ratio.
    let archiveBytes: Int
    private(set) var entries = 0
    private(set) var totalBytes = 0

    init(limits: ArchiveExtractor.Limits, archiveBytes: Int) {
        self.limits = limits
        self.archiveBytes = max(archiveBytes, 1)
    }

    /// Counts one more entry of any kind.
    mutating func countEntry(_ name: String) throws(PackageError) {
        entries += 1
        if entries > limits.maxEntries { throw PackageError.tooManyEntries(name, limit: limits.maxEntries) }
    }

    /// Refuses early an entry whose header already declares too much; the streamed count below
    /// still decides, since a header can lie.
    func admit(declaredSize: Int64?, of name: String) throws(PackageError) {
        guard let declaredSize else { return }
        if declaredSize > Int64(limits.maxEntryBytes) {
            throw PackageError.entryTooLarge(name, size: declaredSize, limit: Int64(limits.maxEntryBytes))
        }
        if Int64(totalBytes) + declaredSize > Int64(limits.maxTotalBytes) {
            throw PackageError.archiveTooLarge(name, limit: Int64(limits.maxTotalBytes))
        }
    }

    /// Accounts for `count` more bytes of `name`, whose running size is then `entryBytes`.
    mutating func consume(_ count: Int, entryBytes: Int, of name: String) throws(PackageError) {
        totalBytes += count
        if entryBytes > limits.maxEntryBytes {
            throw PackageError.entryTooLarge(name, size: Int64(entryBytes), limit: Int64(limits.maxEntryBytes))
        }
        if totalBytes > limits.maxTotalBytes {
            throw PackageError.archiveTooLarge(name, limit: Int64(limits.maxTotalBytes))
        }
        if totalBytes > limits.compressionRatioGraceBytes, totalBytes / archiveBytes > limits.maxCompressionRatio {
            throw PackageError.compressionBomb(name, ratio: totalBytes / archiveBytes, limit: limits.maxCompressionRatio)
        }
    }
}
