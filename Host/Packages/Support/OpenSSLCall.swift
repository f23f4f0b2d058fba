import COpenSSL

/// The middle layer for libcrypto calls: turns a failed status into a message that carries
/// OpenSSL's own error queue, and leaves the queue empty for the next call.
enum OpenSSLCall {
    /// Drains libcrypto's thread-local error queue into one line.
    static func drainErrors() -> String {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
                ERR_error_string_n(code, pointer.baseAddress, pointer.count)
                return String(cString: pointer.baseAddress!)
            }
            lines.append(text)
        }
        return lines.isEmpty ? "no detail from OpenSSL" : lines.joined(separator: "; ")
    }

    /// Throws unless `status` is 1, libcrypto's usual success value.
    static func check(_ status: Int32, _ what: @autoclosure () -> String, makeError: (String) -> PackageError) throws(PackageError) {
        guard status == 1 else { throw makeError("\(what()) failed: \(drainErrors())") }
    }

    /// Unwraps an object libcrypto handed back, or throws with its error queue.
    static func require<T>(_ object: T?, _ what: @autoclosure () -> String, makeError: (String) -> PackageError) throws(PackageError) -> T {
        guard let object else { throw makeError("\(what()) failed: \(drainErrors())") }
        return object
    }

    /// An `io_error` factory for failures that are the host's, not the input's (allocation etc.).
    static func internalError(_ detail: String) -> PackageError {
        PackageError.ioError("OpenSSL: \(detail)")
    }
}
