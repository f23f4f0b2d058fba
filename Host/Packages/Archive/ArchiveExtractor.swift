/// Unpacks a package archive into a fresh folder, refusing anything that is not a plain tree of
/// regular files within bounds.
///
/// Refused, each with its own ``PackageError/code``: unsafe names (`unsafe_path`), links
/// (`link_entry`), devices, pipes and sockets (`special_file`), repeated names (`duplicate_entry`),
/// and archives over ``Limits`` (`too_many_entries`, `entry_too_large`, `archive_too_large`,
/// `compression_bomb`); unreadable input is `not_an_archive`.
public struct ArchiveExtractor {
    /// Extracts `archive` into `directory`, which must not exist yet (its parents are created).
    ///
    /// Data is streamed block by block and hashed while written, so memory use does not depend
    /// on entry sizes. On any failure `directory` is removed with everything written to it.
    /// - Returns: the regular files written, in archive order.
    public static func extract(archive: String, into directory: String, limits: Limits = Limits()) throws(PackageError) -> [ExtractedFile] {
        let reader = try ArchiveReader(path: archive)
        let archiveBytes = try FileDescriptor.openForReading(archive).size(path: archive)
        let staging = try StagingDirectory.create(at: directory)
        do {
            var run = ExtractionRun(budget: ExtractionBudget(limits: limits, archiveBytes: archiveBytes))
            return try run.extractAll(from: reader, into: staging)
        } catch {
            staging.remove()
            throw error
        }
    }
}
