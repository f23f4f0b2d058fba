import BerthHTTP
import BerthStorage
import PluginAPI

/// Endpoint handlers for routes the host enforces policies on: the access rule and rate limit are
/// checked before the addon runs (a refusal never reaches it), and the answer gets the
/// rate-limit and CORS fields and is counted in the metrics.
extension RouteAdapter {
    /// The synchronous endpoint handler for `handler` under `enforcement`.
    func immediate(_ handler: @escaping ImmediateRequestHandler, pattern: String, enforcement: RouteEnforcement) -> ImmediateEndpointHandler {
        { request in
            gate.enter()
            defer { gate.leave() }
            guard enforcement.checksCaller else {
                // Nothing to check: no admission to build, and one clock reading gives both the
                // deadline and the start of the metrics' duration.
                let started = ContinuousClock.now
                let response: Response
                do {
                    response = try handler(request, RequestContext(requestID: request.requestID, deadline: started + timeout, addon: context, route: pattern))
                } catch {
                    response = self.response(for: error, from: request, pattern: pattern)
                }
                return enforcement.finish(response, for: request, started: started)
            }
            let admission: RouteEnforcement.Admission
            switch enforcement.admit(request) {
            case .success(let admitted): admission = admitted
            case .failure(let refusal): return enforcement.finish(refusal.response, for: request, started: nil)
            }
            let response: Response
            do {
                let requestContext = RequestContext(requestID: request.requestID, identity: admission.identity, deadline: admission.started + timeout, addon: context, route: pattern)
                if let identity = admission.identity {
                    response = try CallerIdentity.$current.withValue(CallerIdentity.Value(subject: identity.subject, claims: identity.claims)) {
                        try handler(request, requestContext)
                    }
                } else {
                    response = try handler(request, requestContext)
                }
            } catch {
                response = self.response(for: error, from: request, pattern: pattern)
            }
            return enforcement.finish(response, for: request, admission: admission)
        }
    }

    /// The endpoint handler for `handler` under `enforcement`.
    func handler(_ handler: @escaping RequestHandler, pattern: String, enforcement: RouteEnforcement) -> EndpointHandler {
        { request, _ in
            gate.enter()
            defer { gate.leave() }
            let admission: RouteEnforcement.Admission
            switch enforcement.admissionMayWait ? await enforcement.admitRefreshing(request) : enforcement.admit(request) {
            case .success(let admitted): admission = admitted
            case .failure(let refusal): return enforcement.finish(refusal.response, for: request, started: nil)
            }
            let response: Response
            do {
                let requestContext = RequestContext(requestID: request.requestID, identity: admission.identity, deadline: .now + timeout, addon: context, route: pattern)
                if let identity = admission.identity {
                    response = try await CallerIdentity.$current.withValue(CallerIdentity.Value(subject: identity.subject, claims: identity.claims)) {
                        try await handler(request, requestContext)
                    }
                } else {
                    response = try await handler(request, requestContext)
                }
            } catch {
                response = self.response(for: error, from: request, pattern: pattern)
            }
            return enforcement.finish(response, for: request, admission: admission)
        }
    }
}
