#if canImport(Glibc)
import Glibc
#endif

/// Layer 2 of the C interop: turns a `-1 and errno` result into a ``SupervisorError``.
enum SystemCall {
    /// Runs `call`, retrying on `EINTR`; throws with `code` and `what` if it returns -1.
    @discardableResult
    static func check(_ code: SupervisorError.Code, _ what: @autoclosure () -> String, _ call: () -> Int32) throws(SupervisorError) -> Int32 {
        while true {
            let result = call()
            if result != -1 { return result }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw SupervisorError(code, what(), errno: error)
        }
    }

    /// Moves `descriptor` to a number of at least 10, close-on-exec, closing the original: the
    /// numbers below stay free for the ones a worker receives (3, 4, 5), so the `dup2`s that place
    /// them can never overwrite one another.
    static func moveAboveStandard(_ descriptor: Int32) throws(SupervisorError) -> Int32 {
        if descriptor >= 10 {
            try check(.descriptorFailed, "cannot mark descriptor \(descriptor) close-on-exec") { fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
            return descriptor
        }
        let moved = try check(.descriptorFailed, "cannot duplicate descriptor \(descriptor)") { fcntl(descriptor, F_DUPFD_CLOEXEC, 10) }
        close(descriptor)
        return moved
    }
}
