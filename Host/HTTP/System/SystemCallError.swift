#if canImport(Glibc)
import Glibc
#endif

/// A failed POSIX call and its `errno`: the middle layer between raw calls and the public errors,
/// which wrap it as their cause.
struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. `bind`.
    let call: String

    /// The `errno` it left.
    let code: Int32

    /// `call: strerror(errno)`.
    var description: String { "\(call): \(SystemCallError.text(for: code))" }

    /// The system's message for an `errno` value.
    static func text(for code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Runs `body`, retrying on `EINTR`, and turns a `-1` result into an error carrying `errno`.
    @inline(__always)
    static func check<Result: BinaryInteger>(_ call: StaticString, _ body: () -> Result) throws(SystemCallError) -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemCallError(call: "\(call)", code: code)
        }
    }
}
