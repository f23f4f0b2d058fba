/// An error that reaches an administrator: a status, a stable code, and a message that says what
/// to do, with the underlying error as its cause.
public struct BerthError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status the admin API answers with.
    public let status: Int
    /// A stable snake_case code, e.g. `prefix_conflict`.
    public let code: String
    /// What happened, for people.
    public let message: String
    /// The error that caused this one, if any.
    public let cause: (any Error)?

    /// Creates an error.
    public init(status: Int, code: String, message: String, cause: (any Error)? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    static func notFound(_ code: String, _ message: String) -> BerthError {
        BerthError(status: 404, code: code, message: message)
    }

    static func conflict(_ code: String, _ message: String) -> BerthError {
        BerthError(status: 409, code: code, message: message)
    }

    static func unprocessable(_ code: String, _ message: String, cause: (any Error)? = nil) -> BerthError {
        BerthError(status: 422, code: code, message: message, cause: cause)
    }

    static func badRequest(_ message: String) -> BerthError {
        BerthError(status: 400, code: "bad_request", message: message)
    }

    static func internalError(_ code: String, _ message: String, cause: (any Error)? = nil) -> BerthError {
        BerthError(status: 500, code: code, message: message, cause: cause)
    }
}
