import COpenSSL

/// The middle layer over libcrypto for identity: a failed status or a missing object becomes an
/// ``IdentitySetupError`` carrying OpenSSL's error queue, which is left empty for the next call.
enum LibCrypto {
    /// Drains libcrypto's thread-local error queue into one line.
    static func drainErrors() -> String {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            lines.append(buffer.withUnsafeMutableBufferPointer { pointer in
                ERR_error_string_n(code, pointer.baseAddress, pointer.count)
                return String(cString: pointer.baseAddress!)
            })
        }
        return lines.isEmpty ? "no detail from OpenSSL" : lines.joined(separator: "; ")
    }

    /// Throws unless `status` is 1.
    static func check(_ status: Int32, _ what: @autoclosure () -> String) throws(IdentitySetupError) {
        guard status == 1 else { throw IdentitySetupError(.invalidKey, "\(what()) failed: \(drainErrors())") }
    }

    /// Unwraps an object libcrypto handed back, or throws with its error queue.
    static func require<T>(_ object: T?, _ what: @autoclosure () -> String) throws(IdentitySetupError) -> T {
        guard let object else { throw IdentitySetupError(.invalidKey, "\(what()) failed: \(drainErrors())") }
        return object
    }

    /// Forgets whatever a failed verification left in the queue (a bad signature is an answer,
    /// not an error to carry into the next call on this thread).
    static func clearErrors() {
        ERR_clear_error()
    }
}

