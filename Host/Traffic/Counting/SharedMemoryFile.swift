import Glibc

/// A file mapped `MAP_SHARED` into this process, so every worker of a host that maps it sees and
/// changes the same bytes (the middle layer: system calls whose failures become ``TrafficError``).
///
/// `@unchecked Sendable`: it owns the mapping and the descriptor and frees them once; what is read
/// and written inside it goes through the atomic operations of `CBerthShared`.
final class SharedMemoryFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let size: Int
    private let descriptor: Int32

    /// Maps `path` with `size` bytes, creating it (mode 0600) if needed. `initialize` runs once,
    /// under an exclusive `flock`, when the file is new: concurrent openers wait for it.
    init(path: String, size: Int, isInitialized: (UnsafeMutableRawPointer) -> Bool, initialize: (UnsafeMutableRawPointer) -> Void) throws(TrafficError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("opening \(path)") }
        guard flock(fd, LOCK_EX) == 0 else {
            let error = Self.failure("locking \(path)")
            close(fd)
            throw error
        }
        defer { flock(fd, LOCK_UN) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = Self.failure("reading the size of \(path)")
            close(fd)
            throw error
        }
        // A short file is new (or was cut by a crash before it was initialized): grow it, which
        // zero-fills, before mapping. A longer one is another layout and is never cut under others.
        if Int(status.st_size) < size, ftruncate(fd, off_t(size)) != 0 {
            let error = Self.failure("sizing \(path) to \(size) bytes")
            close(fd)
            throw error
        }
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapping != MAP_FAILED else {
            let error = Self.failure("mapping \(path)")
            close(fd)
            throw error
        }
        if !isInitialized(mapping) { initialize(mapping) }
        self.base = mapping
        self.size = size
        self.descriptor = fd
    }

    deinit {
        munmap(base, size)
        close(descriptor)
    }

    private static func failure(_ action: String) -> TrafficError {
        let code = errno
        return .counterFile("\(action) failed: \(String(cString: strerror(code)))", errno: code)
    }
}
