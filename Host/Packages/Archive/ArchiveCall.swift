import CArchive

/// The middle layer for libarchive calls: status codes and the handle's error string become a
/// ``PackageError``.
enum ArchiveCall {
    /// libarchive's own explanation of the last failure on `handle`.
    static func errorString(_ handle: OpaquePointer) -> String {
        guard let text = archive_error_string(handle) else { return "no detail from libarchive" }
        return String(cString: text)
    }

    /// Throws unless `status` is `ARCHIVE_OK` or `ARCHIVE_WARN`.
    ///
    /// Warnings (e.g. a name that does not convert to the current locale) do not make an entry
    /// unsafe: the checks that matter are Berth's own, on the name and type it reads back.
    static func check(
        _ status: Int32,
        _ handle: OpaquePointer,
        _ what: @autoclosure () -> String,
        makeError: (String) -> PackageError
    ) throws(PackageError) {
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
            throw makeError("\(what()): \(errorString(handle))")
        }
    }
}
