import Glibc

/// Reading and writing PEM key files, with errors that name the file.
enum KeyFile {
    /// PEM keys are a few hundred bytes; anything far larger is not a key.
    static let sizeLimit = 64 * 1024

    static func read(_ path: String) throws(PackageError) -> [UInt8] {
        let bytes: [UInt8]?
        do {
            bytes = try SmallFile.read(path, limit: sizeLimit)
        } catch {
            throw PackageError.invalidKeyFile(path, "cannot be read", underlying: error)
        }
        guard let bytes else { throw PackageError.invalidKeyFile(path, "larger than \(sizeLimit) bytes; not a PEM key") }
        return bytes
    }

    /// Creates `path` (refusing to replace an existing file, so a key is never silently lost).
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(PackageError) {
        let file = try FileDescriptor.createForWriting(path, mode: mode)
        try file.writeAll(bytes, path: path)
        try file.sync(path: path)
    }
}
