import BerthHTTP
import Foundation
import PluginAPI

/// The console under `/admin`: its files, and `/admin/session` where the admin token is exchanged
/// for a session cookie (sign-in), described (`GET`) and ended (`DELETE`, sign-out).
struct ConsoleRoutes: Sendable {
    let assets: ConsoleAssets
    let sessions: ConsoleSessions
    let authenticator: AdminAuthenticator
    /// Failed sign-ins count against the address like failed admin tokens (nil: not limited).
    var limits: AdminRateLimits? = nil

    /// Adds the console's routes to `table`.
    func register(in table: inout RoutingTable, owner: String) throws {
        let assets = assets
        try table.add(.get, "/admin", owner: owner, immediate: { request in assets.response(for: "index.html", request: request) })
        try table.add(.get, "/admin/*", owner: owner, immediate: { request in
            let relative = request.parameters["*"] ?? ""
            return assets.response(for: relative.isEmpty ? "index.html" : relative, request: request)
        })
        try table.add(.post, "/admin/session", owner: owner, bodyLimit: 4096, immediate: { request in signIn(request) })
        try table.add(.get, "/admin/session", owner: owner, immediate: { request in
            guard let session = sessions.session(for: request) else {
                return answer(JSONResponse.error(status: 401, code: "no_session", message: "not signed in to the console"))
            }
            return answer(JSONResponse.make(session))
        })
        try table.add(.delete, "/admin/session", owner: owner, immediate: { request in
            if case .refused(let refusal) = sessions.verdict(for: request) { return answer(refusal) }
            sessions.end(for: request)
            var response = Response(status: 204)
            response.headers["Set-Cookie"] = ConsoleCookie.clearing(secure: ConsoleCookie.isSecure(request))
            return answer(response)
        })
    }

    private func signIn(_ request: Request) -> Response {
        struct Credentials: Decodable { let token: String }
        guard ConsoleCookie.isSameOrigin(request) else {
            return answer(JSONResponse.error(status: 403, code: "cross_origin", message: "sign-in is accepted only from the console's own origin"))
        }
        guard let credentials = try? JSONDecoder().decode(Credentials.self, from: Data(request.body)) else {
            return answer(JSONResponse.error(status: 400, code: "bad_request", message: "send {\"token\": \"<admin token>\"} as the JSON body"))
        }
        // The token is checked exactly as the admin API checks a bearer token, under the same
        // limit on failures per address.
        if let locked = limits?.lockout(for: request.remoteAddress) { return answer(locked) }
        var probe = request
        probe.headers = ["Authorization": "Bearer " + credentials.token]
        guard authenticator.isAuthorized(probe) else {
            if let over = limits?.recordFailure(from: request.remoteAddress) { return answer(over) }
            return answer(JSONResponse.error(status: 401, code: "invalid_token", message: "that is not this host's admin token (see .berth/admin-token or BERTH_ADMIN_TOKEN)"))
        }
        do {
            let (cookie, session) = try sessions.create()
            var response = JSONResponse.make(session, status: 201)
            response.headers["Set-Cookie"] = ConsoleCookie.setting(cookie, maxAge: Int(sessions.lifetime), secure: ConsoleCookie.isSecure(request))
            return answer(response)
        } catch {
            return answer(JSONResponse.error(error))
        }
    }

    private func answer(_ response: Response) -> Response {
        var response = response
        response.headers["Cache-Control"] = "no-store"
        ConsoleAssets.secure(&response)
        return response
    }
}
