import PluginAPI

/// Checks the bearer admin token in constant time, so the answer's timing says nothing about how
/// much of a guess was right.
struct AdminAuthenticator: Sendable {
    private let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func isAuthorized(_ request: Request) -> Bool {
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { return false }
        let presented = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        var difference = UInt8(truncatingIfNeeded: presented.count ^ token.count)
        for index in 0 ..< presented.count {
            difference |= presented[index] ^ token[index % max(token.count, 1)]
        }
        return difference == 0 && !token.isEmpty
    }

    static var unauthorized: Response {
        var response = JSONResponse.error(status: 401, code: "unauthorized", message: "this endpoint needs the admin token: send 'Authorization: Bearer <token>'")
        response.headers["WWW-Authenticate"] = "Bearer realm=\"berth\""
        return response
    }
}
