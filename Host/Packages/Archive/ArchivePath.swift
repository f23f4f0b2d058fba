/// Decides whether an entry name is a plain relative path that stays inside the extraction folder.
///
/// Names are refused rather than cleaned: a package that needs cleaning was not built by
/// `addonctl`, and silently rewriting `a/../b` would make the manifest's view differ from the disk's.
enum ArchivePath {
    static let maxLength = 1024
    static let maxComponentLength = 255

    /// The components of `name`, or `unsafe_path` naming the entry.
    ///
    /// A directory entry may end in one `/`, as tar writes them.
    static func components(of name: String?, isDirectory: Bool) throws(PackageError) -> [String] {
        guard let name else { throw PackageError.unsafePath("<name not valid UTF-8>", "the name is not valid UTF-8") }
        var trimmed = Substring(name)
        if isDirectory, trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { throw PackageError.unsafePath(name, "the name is empty") }
        guard !trimmed.hasPrefix("/") else { throw PackageError.unsafePath(name, "absolute paths are not allowed") }
        guard trimmed.utf8.count <= maxLength else {
            throw PackageError.unsafePath(name, "longer than \(maxLength) bytes")
        }
        if let bad = trimmed.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw PackageError.unsafePath(name, "contains control character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            switch part {
            case "": throw PackageError.unsafePath(name, "empty path component ('//' or trailing '/')")
            case ".": throw PackageError.unsafePath(name, "'.' path component")
            case "..": throw PackageError.unsafePath(name, "'..' path component (path traversal)")
            default:
                guard part.utf8.count <= maxComponentLength else {
                    throw PackageError.unsafePath(name, "component longer than \(maxComponentLength) bytes")
                }
            }
        }
        return parts
    }
}
