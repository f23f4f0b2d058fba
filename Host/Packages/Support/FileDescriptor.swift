import Glibc

/// An open file descriptor that closes itself; non-copyable so that exactly one owner closes it.
struct FileDescriptor: ~Copyable {
    let raw: Int32

    /// Takes ownership of an already-open descriptor.
    init(owning raw: Int32) {
        self.raw = raw
    }

    /// Opens `path` for reading. Links are followed: inputs (archives, sources, keys) are chosen
    /// by the operator; only writes into a staging folder must never follow one.
    static func openForReading(_ path: String) throws(PackageError) -> FileDescriptor {
        let fd = try SystemCall.check("cannot open '\(path)'") {
            open(path, O_RDONLY | O_CLOEXEC)
        }
        return FileDescriptor(owning: fd)
    }

    /// Creates a new file for writing; fails if anything (a file, a link) already has the name.
    static func createForWriting(_ path: String, mode: mode_t) throws(PackageError) -> FileDescriptor {
        let fd = try SystemCall.check("cannot create '\(path)'") {
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        return FileDescriptor(owning: fd)
    }

    deinit {
        close(raw)
    }

    /// The file's size in bytes, from `fstat`.
    func size(path: String) throws(PackageError) -> Int {
        var info = stat()
        try SystemCall.check("cannot stat '\(path)'") { fstat(raw, &info) }
        return Int(info.st_size)
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer, path: String) throws(PackageError) -> Int {
        try SystemCall.check("cannot read '\(path)'") {
            Glibc.read(raw, buffer.baseAddress, buffer.count)
        }
    }

    /// Writes the whole buffer, looping over short writes.
    func writeAll(_ buffer: UnsafeRawBufferPointer, path: String) throws(PackageError) {
        var offset = 0
        while offset < buffer.count {
            let written = try SystemCall.check("cannot write '\(path)'") {
                write(raw, buffer.baseAddress! + offset, buffer.count - offset)
            }
            offset += written
        }
    }

    /// Writes all of `bytes`.
    func writeAll(_ bytes: [UInt8], path: String) throws(PackageError) {
        // Array's closure APIs only rethrow untyped errors; carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(PackageError) in try writeAll(buffer, path: path) }
        }
        try result.get()
    }

    /// Flushes the file to disk, so that a staged package survives a crash intact.
    func sync(path: String) throws(PackageError) {
        try SystemCall.check("cannot sync '\(path)'") { fsync(raw) }
    }

    /// Calls `body` with each chunk of the file in turn, reusing one buffer.
    func forEachChunk(
        path: String,
        chunkSize: Int = 64 * 1024,
        _ body: (UnsafeRawBufferPointer) throws(PackageError) -> Void
    ) throws(PackageError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try read(into: buffer, path: path)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
