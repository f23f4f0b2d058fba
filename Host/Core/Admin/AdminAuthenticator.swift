import BerthPackages
import PluginAPI

/// Checks the bearer admin token in constant time over the full lengths of both, so neither the
/// answer nor its timing says how much of a guess was right.
struct AdminAuthenticator: Sendable {
    private let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func isAuthorized(_ request: Request) -> Bool {
        isAuthorized(authorization: request.headers["Authorization"])
    }

    /// Whether the `Authorization` field's value carries the admin token.
    func isAuthorized(authorization header: String?) -> Bool {
        guard !token.isEmpty, let header, header.hasPrefix("Bearer ") else { return false }
        return SecretComparison.equal(header.utf8.dropFirst("Bearer ".utf8.count), token)
    }

    static var unauthorized: Response {
        var response = JSONResponse.error(status: 401, code: "unauthorized", message: "this endpoint needs the admin token: send 'Authorization: Bearer <token>'")
        response.headers["WWW-Authenticate"] = "Bearer realm=\"berth\""
        return response
    }
}
