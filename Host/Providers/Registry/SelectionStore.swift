import Foundation
import Glibc

/// The selections chosen through the admin API, in one JSON file of the home that every worker
/// reads, so all processes of a host (and its next start) use the same providers.
///
/// A process re-reads the file when its ``Stamp`` (inode, size, modification time) changed; the
/// registry takes that stamp at most once per ``SlotRegistry/selectionCheckInterval`` on its call
/// path. Writes replace the file atomically, so a new selection is a new inode.
final class SelectionStore: Sendable {
    /// What identifies one version of the file: a `stat(2)` reduced to the fields a replace changes.
    struct Stamp: Equatable, Sendable {
        var inode: UInt64
        var size: Int64
        var seconds: Int64
        var nanoseconds: Int64
    }

    let path: String

    init(path: String) {
        self.path = path
    }

    /// The file's identity now, or `nil` if there is none.
    func stamp() -> Stamp? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Stamp(inode: UInt64(status.st_ino), size: Int64(status.st_size), seconds: Int64(status.st_mtim.tv_sec), nanoseconds: Int64(status.st_mtim.tv_nsec))
    }

    /// The recorded selections as text, by slot name.
    func load() throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    /// Changes the recorded selections under an exclusive `flock` of `<path>.lock`, so two workers
    /// changing different slots at once both keep their change.
    func update(_ change: (inout [String: String]) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ProviderError.unavailable("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ProviderError.unavailable("cannot lock \(path).lock: \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        var selections = try load()
        try change(&selections)
        try save(selections)
    }

    /// Writes `selections` through a temporary file and a rename, so no reader sees half a file.
    func save(_ selections: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(selections)
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ProviderError.unavailable("could not write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ProviderError.unavailable("could not replace \(path): \(reason)")
        }
    }
}
