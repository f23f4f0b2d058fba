import BerthHTTP
import PluginAPI

/// Turns an addon's ``Router/Route`` into the endpoint handlers the HTTP server calls: each request
/// is counted by the addon's gate, gets its ``RequestContext``, and a thrown error becomes the
/// host's JSON error answer.
///
/// The synchronous form stays synchronous, so the server still calls it on the polling thread
/// without a task. Per request it makes only the context, whose fields are the request's id (an
/// inline string), a clock reading and one reference to the addon's context: no allocation.
struct RouteAdapter: Sendable {
    /// The addon's context, shared by all its requests.
    let context: AddonContext
    /// The addon's in-flight counter.
    let gate: RequestGate
    /// The host's logger, for failures the addon did not shape.
    let logger: Logger
    /// How long a handler may take; the context's deadline is this far from the request's start.
    let timeout: Duration

    /// The server's default body limit when the route sets none.
    static let defaultBodyLimit = 1 << 20

    /// The largest body limit a manifest's route policy may set (bodies are held in memory).
    static let maximumBodyLimit = 64 << 20

    /// The body limit of `route`.
    static func bodyLimit(of route: Router.Route) -> Int {
        route.options.bodyLimit ?? defaultBodyLimit
    }

    /// This adapter with the handler deadline of a route that declares `timeoutSeconds`, within
    /// the host's timeout (``HandlerDeadline``): a route may shorten it, never lengthen it.
    func limited(toSeconds timeoutSeconds: Double?) -> RouteAdapter {
        guard let timeoutSeconds, timeoutSeconds.isFinite, timeoutSeconds > 0 else { return self }
        let own = Duration.milliseconds(Int64((min(timeoutSeconds, 86_400) * 1000).rounded(.up)))
        return RouteAdapter(context: context, gate: gate, logger: logger, timeout: min(timeout, own))
    }

    /// The context of one request to the route at `pattern`.
    func requestContext(for request: Request, pattern: String) -> RequestContext {
        RequestContext(requestID: request.requestID, deadline: .now + timeout, addon: context, route: pattern)
    }

    /// The synchronous endpoint handler for `handler`, registered at `pattern`.
    func immediate(_ handler: @escaping ImmediateRequestHandler, pattern: String) -> ImmediateEndpointHandler {
        { request in
            gate.enter()
            defer { gate.leave() }
            do {
                return try handler(request, requestContext(for: request, pattern: pattern))
            } catch {
                return response(for: error, from: request, pattern: pattern)
            }
        }
    }

    /// The endpoint handler for `handler`, registered at `pattern`.
    func handler(_ handler: @escaping RequestHandler, pattern: String) -> EndpointHandler {
        { request, _ in
            gate.enter()
            defer { gate.leave() }
            do {
                return try await handler(request, requestContext(for: request, pattern: pattern))
            } catch {
                return response(for: error, from: request, pattern: pattern)
            }
        }
    }

    /// The answer to a request whose handler threw: an ``HTTPError`` as the addon shaped it, anything
    /// else as a 500 that names the addon (the error itself goes to the log, not to the client).
    func response(for error: any Error, from request: Request, pattern: String) -> Response {
        if let error = error as? HTTPError {
            return .error(error)
        }
        logger.error("handler failed", metadata: [
            "addon": .string(context.addonID), "route": "\(request.method) \(pattern)", "path": .string(request.path),
            "request_id": .string(request.requestID), "error": "\(error)",
        ])
        // The addon's own log too: its administrator reads it there (and as the last error).
        context.logger.error("handler failed: \(error)", metadata: ["request_id": .string(request.requestID), "route": .string(pattern)])
        return JSONResponse.error(status: 500, code: "addon_error", message: "addon \(context.addonID) failed to handle the request")
    }
}
