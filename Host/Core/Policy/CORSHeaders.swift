import BerthPackages
import PluginAPI

/// Answers browsers for an addon's CORS policy: the fields of an allowed cross-origin response,
/// and the host's answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`).
enum CORSHeaders {
    /// The request's `Origin` if the policy allows it.
    static func allowedOrigin(_ policy: CORSPolicy, for request: Request) -> String? {
        guard let origin = request.headers["Origin"] else { return nil }
        if policy.allowsAnyOrigin { return "*" }
        return policy.origins.contains { $0.lowercased() == origin.lowercased() } ? origin : nil
    }

    /// Adds the fields of a response to an allowed origin (and `Vary: Origin` whatever the origin,
    /// so caches keep answers apart).
    static func add(_ policy: CORSPolicy, for request: Request, to headers: inout HTTPHeaders) {
        if !policy.allowsAnyOrigin { headers["Vary"] = "Origin" }
        guard let origin = allowedOrigin(policy, for: request) else { return }
        headers["Access-Control-Allow-Origin"] = origin
        if policy.credentials { headers["Access-Control-Allow-Credentials"] = "true" }
    }

    /// The answer to a preflight for a path answering `methods`: 204 with the allowed methods and
    /// headers, or 403 naming what the policy does not allow.
    static func preflight(_ policy: CORSPolicy, methods: [String], for request: Request) -> Response {
        guard let origin = allowedOrigin(policy, for: request) else {
            return JSONResponse.error(status: 403, code: "cors_origin_denied", message: "the origin \(request.headers["Origin"]?.prefix(100) ?? "(none)") may not call this route")
        }
        let allowedMethods = policy.methods.isEmpty ? methods : policy.methods
        let requested = request.headers["Access-Control-Request-Method"] ?? ""
        guard allowedMethods.contains(requested) else {
            return JSONResponse.error(status: 403, code: "cors_method_denied", message: "\(requested.prefix(20)) is not allowed cross-origin here (allowed: \(allowedMethods.joined(separator: ", ")))")
        }
        var response = Response(status: 204)
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = allowedMethods.joined(separator: ", ")
        if !policy.headers.isEmpty { response.headers["Access-Control-Allow-Headers"] = policy.headers.joined(separator: ", ") }
        if policy.credentials { response.headers["Access-Control-Allow-Credentials"] = "true" }
        response.headers["Access-Control-Max-Age"] = String(policy.maxAgeSeconds)
        if !policy.allowsAnyOrigin { response.headers["Vary"] = "Origin" }
        return response
    }
}
