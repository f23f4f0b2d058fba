import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The JSON error answers the server produces itself, in the host's error shape
/// `{"error":{"code":…,"message":…}}`.
enum ErrorResponse {
    /// No route matches the path.
    static func notFound(_ method: HTTPMethod, _ path: String) -> Response {
        make(status: 404, code: "not_found", message: "No route for \(method) \(path).")
    }

    /// The path exists for other methods; `Allow` lists them.
    static func methodNotAllowed(_ method: HTTPMethod, _ path: String, allowed: [HTTPMethod]) -> Response {
        var response = make(status: 405, code: "method_not_allowed", message: "\(path) does not answer \(method).")
        response.headers.add(name: "Allow", value: allowed.map(\.rawValue).joined(separator: ", "))
        return response
    }

    /// The body is larger than the route accepts.
    static func payloadTooLarge(limit: Int) -> Response {
        make(status: 413, code: "payload_too_large", message: "The request body exceeds \(limit) bytes.")
    }

    /// The body could not be written to the spool directory: 507 when the disk (or quota) is
    /// full, else 500, naming the folder and the system's reason either way.
    static func spoolFailed(_ error: SystemCallError, directory: String) -> Response {
        if error.code == ENOSPC || error.code == EDQUOT {
            return make(status: 507, code: "insufficient_storage", message: "The request body could not be stored in \(directory): the disk is full (\(error)).")
        }
        return make(status: 500, code: "spool_failed", message: "The request body could not be stored in \(directory): \(error).")
    }

    /// The server is stopping and no longer runs handlers.
    static func shuttingDown() -> Response {
        make(status: 503, code: "shutting_down", message: "The server is shutting down.")
    }

    /// A JSON error response, in the one shape PluginAPI's `Response.error(_:headers:)` writes.
    static func make(status: Int, code: String, message: String) -> Response {
        .error(HTTPError(status: status, code: code, message: message))
    }
}
