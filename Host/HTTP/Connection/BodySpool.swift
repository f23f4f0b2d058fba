#if canImport(Glibc)
import Glibc
#endif

/// A temporary file receiving a request body chunk by chunk, so that large uploads never sit in
/// memory whole.
///
/// Used only on the connection's MHD thread until ``handOff()``; after that the handler's task owns
/// the file and deletes it when the handler returns. A spool never handed off deletes its file when
/// released, which covers refused and aborted uploads.
final class BodySpool {
    /// The file's path.
    let path: String

    /// Bytes written so far.
    private(set) var size = 0

    private var descriptor: Int32
    private var handedOff = false

    /// Creates an empty file, readable only by this user, in `directory`.
    init(in directory: String) throws(SystemCallError) {
        var template = Array("\(directory)/berth-upload-XXXXXX".utf8CString)
        let descriptor = try template.withUnsafeMutableBufferPointer { buffer throws(SystemCallError) in
            try SystemCallError.check("mkstemp") { mkstemp(buffer.baseAddress!) }
        }
        // Handlers may spawn processes (e.g. a probe); the upload must not leak into them.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Appends `bytes`, looping over short writes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let written = try SystemCallError.check("write") {
                Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            }
            offset += written
        }
        size += bytes.count
    }

    /// Closes the file and gives it to the handler; the spool no longer deletes it.
    func handOff() -> UploadedFile {
        closeDescriptor()
        handedOff = true
        return UploadedFile(path: path, size: size)
    }

    /// Deletes a handed-off file once its handler has returned.
    static func remove(_ file: UploadedFile) {
        unlink(file.path)
    }

    deinit {
        closeDescriptor()
        if !handedOff { unlink(path) }
    }

    private func closeDescriptor() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }
}
