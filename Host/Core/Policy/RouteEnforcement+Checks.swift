import BerthIdentity
import BerthMetrics
import BerthPackages
import BerthTraffic
import Foundation
import PluginAPI

/// The checks before a handler runs and the additions to its answer.
extension RouteEnforcement {
    /// What the checks let through: the caller and the rate-limit count to report.
    struct Admission {
        let identity: Identity?
        let decision: WindowDecision?
        /// When the checks started: the handler's deadline and the metrics' duration count from it.
        let started: ContinuousClock.Instant
        /// The wall clock (seconds since 1970) the checks ran at, read only when a token or a
        /// rate limit needs it; the rate-limit fields reuse it rather than read it again.
        let now: Double
    }

    /// The two clock readings a request's checks need: the monotonic one for the handler's
    /// deadline and the metrics' duration, the wall clock (only when something uses it) for token
    /// times and rate windows.
    private func clocks() -> (started: ContinuousClock.Instant, now: Double) {
        (ContinuousClock.now, access.mode == .none && rateLimit == nil ? 0 : Date().timeIntervalSince1970)
    }

    /// Whether a caller is checked before the handler (an access rule or a rate limit). A route
    /// without either is admitted without an ``Admission``.
    var checksCaller: Bool {
        access.mode != .none || rateLimit != nil
    }

    /// The caller's identity and rate-limit count, or the refusal to answer instead. A token
    /// naming a key the host does not know yet, or arriving while the host has no keys (a URL
    /// key set that could not be fetched at start), is refused and starts a refresh of a URL key
    /// set in the background, subject to its floor (synchronous handlers never wait on the network).
    func admit(_ request: Request) -> Result<Admission, RefusalResponse> {
        let (started, now) = clocks()
        guard access.mode != .none else { return count(request, identity: nil, now: now, started: started) }
        do {
            let identity = try policies.access.admit(request.headers, under: access, now: now).map(Self.identity)
            return count(request, identity: identity, now: now, started: started)
        } catch {
            if let error = error as? AuthenticationError, error.code == .unknownKey || error.code == .keysUnavailable {
                policies.access.verifier?.refreshSoon()
            }
            return .failure(RefusalResponse(refusal(for: error)))
        }
    }

    /// Whether ``admitRefreshing(_:)`` may wait: a token to check (its key set may need a
    /// refresh) or a limit counted through the rate-limiting slot. Otherwise an async handler's
    /// checks are ``admit(_:)``'s, without an async call.
    var admissionMayWait: Bool {
        access.mode != .none || (rateLimit != nil && policies.countsInSlotNow)
    }

    /// ``admit(_:)`` for handlers that may suspend: an unknown key is looked up in a refreshed
    /// URL key set (at most once per floor interval) before the token is refused.
    /// A limit counted through the rate-limiting slot (``countsInSlot``) is counted here.
    func admitRefreshing(_ request: Request) async -> Result<Admission, RefusalResponse> {
        let (started, now) = clocks()
        let identity: Identity?
        if access.mode == .none {
            identity = nil
        } else {
            do {
                identity = try await policies.access.admitRefreshing(request.headers, under: access, now: now).map(Self.identity)
            } catch {
                return .failure(RefusalResponse(refusal(for: error)))
            }
        }
        if rateLimit != nil, policies.countsInSlotNow { return await countInSlot(request, identity: identity, now: now, started: started) }
        return count(request, identity: identity, now: now, started: started)
    }

    private static func identity(_ token: VerifiedToken) -> Identity {
        Identity(subject: token.subject, roles: token.roles, claims: token.claims)
    }

    /// Counts the hit against the route's rate limit through the rate-limiting slot; a failed
    /// count fails open (logged) or closed (`503 rate_limit_unavailable`) as configured.
    private func countInSlot(_ request: Request, identity: Identity?, now: Double, started: ContinuousClock.Instant) async -> Result<Admission, RefusalResponse> {
        guard let rateLimit, let counter = policies.slotCounter else { return count(request, identity: identity, now: now, started: started) }
        let key = "\(addonID)|\(name)|\(rateKey(rateLimit.key, request: request, identity: identity))"
        switch await counter.hit(key, limit: rateLimit.limit, window: rateLimit.windowSeconds) {
        case .decided(let counted) where counted.allowed:
            return .success(Admission(identity: identity, decision: counted, started: started, now: now))
        case .decided(let refused):
            return .failure(RefusalResponse(rateLimited(refused, rule: rateLimit, now: now)))
        case .unavailable(let reason):
            counter.logFailure(reason, route: name, failOpen: policies.failOpen)
            guard policies.failOpen else { return .failure(RefusalResponse(unavailable())) }
            return .success(Admission(identity: identity, decision: nil, started: started, now: now))
        }
    }

    /// The `429 rate_limited` answer for a refused hit.
    private func rateLimited(_ refused: WindowDecision, rule: RateLimitRule, now: Double) -> Response {
        let body = JSONResponse.error(status: 429, code: "rate_limited", message: "\(name) allows \(rule.limit) requests per \(rule.windowSeconds) s; try again in \(refused.resetSeconds) s").body
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let rateFields { rateFields.add(refused, now: Int(now), to: &headers) }
        return Response(status: 429, headers: headers, body: body)
    }

    /// The `503 rate_limit_unavailable` answer of a limit that cannot be counted, failing closed.
    private func unavailable() -> Response {
        var response = JSONResponse.error(status: 503, code: "rate_limit_unavailable", message: "the rate limit of \(name) cannot be counted now; try again shortly")
        response.headers["Retry-After"] = "1"
        return response
    }

    /// Counts the hit against the route's rate limit in the shared file, if it has one.
    private func count(_ request: Request, identity: Identity?, now: Double, started: ContinuousClock.Instant) -> Result<Admission, RefusalResponse> {
        var decision: WindowDecision?
        if let rateLimit, let table = policies.rateLimits {
            let hash = routeKeyHash ?? hashedRateKey(rateLimit.key, request: request, identity: identity, from: rateKeyPrefix ?? table.keyHash.adding("\(addonID)|\(name)|"))
            switch table.hit(hashed: hash, limit: rateLimit.limit, window: rateLimit.windowSeconds, now: UInt32(clamping: Int(now))) {
            case .decided(let counted) where counted.allowed:
                decision = counted
            case .decided(let refused):
                return .failure(RefusalResponse(rateLimited(refused, rule: rateLimit, now: now)))
            case .unavailable:
                policies.logger.warning("rate limit not counted: the counter table is full", metadata: ["route": .string(name), "fail_open": .bool(policies.failOpen)])
                if !policies.failOpen { return .failure(RefusalResponse(unavailable())) }
            }
        }
        return .success(Admission(identity: identity, decision: decision, started: started, now: now))
    }

    /// `response` to an admitted caller with the rate-limit and CORS fields added, recorded in
    /// the metrics.
    func finish(_ response: consuming Response, for request: Request, admission: Admission) -> Response {
        finish(response, for: request, started: admission.started, decision: admission.decision, now: admission.now)
    }

    /// `response` with the rate-limit fields of `decision` (counted at wall-clock `now`) and the
    /// CORS fields added, recorded in the metrics with the time since `started`; a refusal decided
    /// before the handler has no `started` and is recorded without a duration of its own.
    func finish(_ response: consuming Response, for request: Request, started: ContinuousClock.Instant?, decision: WindowDecision? = nil, now: Double = 0) -> Response {
        // Consumed: the handler's answer is moved in and out, not copied.
        var response = response
        if let decision, let rateFields {
            rateFields.add(decision, now: Int(now), to: &response.headers)
        }
        if let cors { CORSHeaders.add(cors, for: request, to: &response.headers) }
        if let recorder {
            var nanoseconds: UInt64 = 0
            if let started {
                let (seconds, attoseconds) = (ContinuousClock.now - started).components
                nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
            }
            recorder.record(status: response.status, nanoseconds: nanoseconds)
        }
        return response
    }

    /// The 401/403 of a refused caller, with `WWW-Authenticate`.
    private func refusal(for error: any Error) -> Response {
        switch error {
        case let error as AuthenticationError:
            var response = JSONResponse.error(status: error.status, code: error.code.rawValue, message: error.message)
            response.headers["WWW-Authenticate"] = error.wwwAuthenticate
            return response
        case let error as AccessDenied:
            var response = JSONResponse.error(status: 403, code: error.code.description, message: error.message)
            if let challenge = error.wwwAuthenticate { response.headers["WWW-Authenticate"] = challenge }
            return response
        default:
            return JSONResponse.error(status: 401, code: "unauthorized", message: "the request's credentials could not be checked")
        }
    }

    /// The hash of the key ``rateKey(_:request:identity:)`` names, added to `prefix` piece by
    /// piece: the same hash as the whole key's, without building it.
    func hashedRateKey(_ key: String, request: Request, identity: Identity?, from prefix: SharedKeyHash.State) -> UInt64 {
        var hash = prefix
        switch key {
        case "route":
            hash.add("route".utf8)
        case "user":
            if let identity {
                hash.add("user:".utf8)
                hash.add(identity.subject.utf8)
            } else {
                hash.add("ip:".utf8)
                hash.add(request.remoteAddress.utf8)
            }
        case "ip":
            hash.add("ip:".utf8)
            hash.add(request.remoteAddress.utf8)
        default:
            hash.add("header:".utf8)
            hash.add((request.headers[String(key.dropFirst("header:".count))] ?? "").utf8)
        }
        return hash.finished
    }

    /// The value a rate limit counts per.
    func rateKey(_ key: String, request: Request, identity: Identity?) -> String {
        switch key {
        case "route": return "route"
        case "user": return identity.map { "user:" + $0.subject } ?? "ip:" + request.remoteAddress
        case "ip": return "ip:" + request.remoteAddress
        default:
            let field = String(key.dropFirst("header:".count))
            return "header:" + (request.headers[field] ?? "")
        }
    }
}

/// A refusal decided before the handler, wrapped so it can be a `Result`'s failure.
struct RefusalResponse: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}
