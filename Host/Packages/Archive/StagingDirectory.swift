import Foundation
import Glibc

/// A fresh folder that extraction writes into, addressed only through directory descriptors.
///
/// Every step opens the next component relative to the previous one with `O_NOFOLLOW`, and every
/// file is created with `O_EXCL`, so nothing placed in the folder meanwhile (a link, an existing
/// file) can redirect a write outside it.
struct StagingDirectory: ~Copyable {
    let path: String
    private let root: FileDescriptor

    /// Creates `path` (mode 0700) and its missing parents; `path` itself must not exist yet, so
    /// that removing it on failure can never remove anything that was there before.
    static func create(at path: String) throws(PackageError) -> StagingDirectory {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw PackageError.ioError("cannot create '\(parent)'", underlying: error)
            }
        }
        try SystemCall.check("cannot create extraction folder '\(path)'") { mkdir(path, 0o700) }
        let fd = try SystemCall.check("cannot open '\(path)'") {
            open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        return StagingDirectory(path: path, root: FileDescriptor(owning: fd))
    }

    private init(path: String, root: consuming FileDescriptor) {
        self.path = path
        self.root = root
    }

    /// Opens (creating as needed) the folder made of `components` below the root.
    func directory(_ components: ArraySlice<String>) throws(PackageError) -> FileDescriptor {
        var current = FileDescriptor(owning: try SystemCall.check("cannot dup '\(path)'") { dup(root.raw) })
        var walked = path
        for component in components {
            walked += "/" + component
            let made = SystemCall.attempt { mkdirat(current.raw, component, 0o700) }
            if made.result < 0, made.errno != EEXIST {
                throw PackageError.ioError("cannot create '\(walked)': \(SystemCall.describe(made.errno))")
            }
            let parent = current.raw
            current = FileDescriptor(owning: try SystemCall.check("cannot open folder '\(walked)'") {
                openat(parent, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            })
        }
        return current
    }

    /// Creates the new file `components` (its folders as needed) for writing, mode 0644.
    func createFile(_ components: [String]) throws(PackageError) -> FileDescriptor {
        let folder = try directory(components.dropLast())
        let name = components[components.count - 1]
        let fd = try SystemCall.check("cannot create '\(path)/\(components.joined(separator: "/"))'") {
            openat(folder.raw, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        }
        return FileDescriptor(owning: fd)
    }

    /// Removes the folder and everything in it; used when extraction fails part way.
    consuming func remove() {
        // Extraction never creates links, so a recursive delete cannot wander outside.
        try? FileManager.default.removeItem(atPath: path)
    }
}
