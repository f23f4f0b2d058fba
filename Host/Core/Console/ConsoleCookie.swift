import PluginAPI

/// The `Set-Cookie` values of the console session, and what a request says about its origin.
enum ConsoleCookie {
    /// `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it), `Secure`
    /// when the console is reached over TLS.
    static func setting(_ value: String, maxAge: Int, secure: Bool) -> String {
        "\(ConsoleSessions.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// Tells the browser to drop the cookie (sign-out).
    static func clearing(secure: Bool) -> String {
        setting("", maxAge: 0, secure: secure)
    }

    /// Berth speaks plain HTTP; behind a TLS-terminating proxy, the proxy says so in
    /// `X-Forwarded-Proto` (or `Forwarded: proto=https`), and the cookie is then marked `Secure`.
    static func isSecure(_ request: Request) -> Bool {
        if request.headers["X-Forwarded-Proto"]?.lowercased() == "https" { return true }
        return request.headers["Forwarded"]?.lowercased().contains("proto=https") ?? false
    }

    /// A browser's request names its page's origin in `Origin`; it must be this host's. A request
    /// without one (not from a browser page) is let through: it still needs the admin token.
    static func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers["Origin"] else { return true }
        guard let host = request.headers["Host"] else { return false }
        return origin == "http://" + host || origin == "https://" + host
    }
}
