/// An error a handler throws to answer with a status and a JSON error body.
///
/// The host answers `{"error":{"code":…,"message":…}}` with ``status``. Any other error thrown by a
/// handler becomes a 500 whose message does not leak the error's details.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code, e.g. 404.
    public var status: Int

    /// A stable, machine-readable code, e.g. `session_not_found`.
    public var code: String

    /// A message for people.
    public var message: String

    /// Creates an error.
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `status code: message`.
    public var description: String { "\(status) \(code): \(message)" }

    /// A 400 with code `bad_request`.
    public static func badRequest(_ message: String) -> HTTPError {
        HTTPError(status: 400, code: "bad_request", message: message)
    }

    /// A 404 with code `not_found`.
    public static func notFound(_ message: String) -> HTTPError {
        HTTPError(status: 404, code: "not_found", message: message)
    }

    /// A 500 with code `permission_denied`: the addon's manifest does not grant `permission`.
    public static func permissionDenied(addonID: String, permission: String) -> HTTPError {
        HTTPError(status: 500, code: "permission_denied", message: "addon \(addonID) was not granted the '\(permission)' permission: add \"\(permission)\" to the manifest's permissions")
    }

    /// A 503 with code `service_unavailable`: the host has no such service or provider.
    public static func serviceUnavailable(_ message: String) -> HTTPError {
        HTTPError(status: 503, code: "service_unavailable", message: message)
    }
}
