import Glibc

/// A file of 64-bit counters mapped `MAP_SHARED` into this process, so every worker of a host that
/// maps it sees and changes the same words (the middle layer: system calls whose failures become
/// ``TrafficError``).
///
/// The file starts with a header of 8 words: a magic number naming the layout, the number of
/// slots, a random seed chosen when the file was made, and words the layout may use; the rest is
/// the layout's. Its users read and write it only with the atomic operations of `CBerthShared`.
///
/// `@unchecked Sendable`: it owns the mapping and the descriptor and frees them once.
public final class SharedCounterFile: @unchecked Sendable {
    /// The first byte of the mapping.
    public let base: UnsafeMutableRawPointer
    /// The mapping's size in bytes.
    public let size: Int
    private let descriptor: Int32

    /// The random seed written into the header when the file was made.
    public var seed: UInt64 { base.assumingMemoryBound(to: UInt64.self)[2] }

    /// Maps `path` (mode 0600) with `size` bytes, creating and initializing it if new, under an
    /// exclusive `flock` so concurrent openers wait.
    /// - Throws: ``TrafficError`` when the file cannot be opened, sized or mapped, or holds another
    ///   layout or another number of slots.
    public convenience init(path: String, size: Int, magic: UInt64, slots: UInt64) throws(TrafficError) {
        try self.init(path: path, size: size, isInitialized: { base in
            base.assumingMemoryBound(to: UInt64.self)[0] == magic
        }, initialize: { base in
            let header = base.assumingMemoryBound(to: UInt64.self)
            var generator = SystemRandomNumberGenerator()
            header[1] = slots
            header[2] = generator.next()
            header[0] = magic
        })
        let header = base.assumingMemoryBound(to: UInt64.self)
        guard header[1] == slots else {
            throw .counterFile("\(path) holds \(header[1]) slots, not \(slots): remove it while the host is stopped", errno: nil)
        }
    }

    private init(path: String, size: Int, isInitialized: (UnsafeMutableRawPointer) -> Bool, initialize: (UnsafeMutableRawPointer) -> Void) throws(TrafficError) {
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
