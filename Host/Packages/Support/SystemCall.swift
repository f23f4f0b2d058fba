import Glibc

/// The middle layer for POSIX calls: turns a `-1`/`errno` result into a ``PackageError``.
enum SystemCall {
    /// The text of an `errno` value, e.g. "No such file or directory".
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Runs `body` again while it fails with `EINTR`, and throws `io_error` on any other failure.
    ///
    /// `what` is evaluated only on failure; it names the operation and the path for the message.
    @discardableResult
    static func check<Result: BinaryInteger>(
        _ what: @autoclosure () -> String,
        _ body: () -> Result
    ) throws(PackageError) -> Result {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw PackageError.ioError("\(what()): \(describe(code))")
        }
    }

    /// Like ``check(_:_:)`` but hands back `errno` instead of throwing, for callers that treat
    /// some failures (e.g. `EEXIST`) as expected.
    static func attempt<Result: BinaryInteger>(_ body: () -> Result) -> (result: Result, errno: Int32) {
        while true {
            let result = body()
            if result >= 0 { return (result, 0) }
            let code = errno
            if code != EINTR { return (result, code) }
        }
    }
}
