import Foundation
import Glibc

/// File operations whose durability or safety matters.
enum FileSystem {
    /// Writes `data` to `path` atomically and durably: temp file, fsync, rename, fsync of the folder.
    /// A crash leaves either the old file or the new one, never a mix.
    static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o600, beforeRename: () -> Void = {}) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = folder + "/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw error("create", temporary) }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 { if errno == EINTR { continue }; return false }
                written += count
            }
            return true
        }
        guard ok, fsync(fd) == 0 else {
            let failure = error("write", temporary)
            close(fd)
            unlink(temporary)
            throw failure
        }
        close(fd)
        beforeRename()
        guard rename(temporary, path) == 0 else {
            let failure = error("rename", temporary)
            unlink(temporary)
            throw failure
        }
        syncDirectory(folder)
    }

    /// Flushes a folder's entries (after a rename or unlink in it).
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Removes a file or folder tree if present.
    static func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    private static func error(_ action: String, _ path: String) -> BerthError {
        BerthError.internalError("io_error", "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
