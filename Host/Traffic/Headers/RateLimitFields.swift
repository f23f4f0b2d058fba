import PluginAPI

/// The response fields that tell a client about a rate limit: the IETF `RateLimit-Policy` and
/// `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-10, structured-field lists with a
/// quoted policy name), the legacy `X-RateLimit-*` trio, and `Retry-After` on a refusal.
public enum RateLimitFields {
    /// Adds the fields for `decision` under the policy `name` (windows of `window` seconds) at
    /// `now` (seconds since 1970) to `headers`.
    ///
    /// `X-RateLimit-Reset` is the epoch second at which the window resets, as GitHub and most
    /// clients read it; `RateLimit`'s `t` and `Retry-After` are seconds from now.
    public static func add(_ decision: WindowDecision, policy name: String, window: Int, now: Int, to headers: inout HTTPHeaders) {
        headers["RateLimit-Policy"] = "\"\(name)\";q=\(decision.limit);w=\(window)"
        headers["RateLimit"] = "\"\(name)\";r=\(decision.remaining);t=\(decision.resetSeconds)"
        headers["X-RateLimit-Limit"] = String(decision.limit)
        headers["X-RateLimit-Remaining"] = String(decision.remaining)
        headers["X-RateLimit-Reset"] = String(now + decision.resetSeconds)
        if !decision.allowed { headers["Retry-After"] = String(decision.resetSeconds) }
    }

    /// Whether `headers` already hold a field these add (the handler set one): its name starts
    /// with `ratelimit`, `x-ratelimit` or is `retry-after`, compared without case.
    static func holdsAny(_ headers: HTTPHeaders) -> Bool {
        headers.fields.contains { field in
            var bytes = field.name.utf8.makeIterator()
            switch bytes.next().map({ $0 | 0x20 }) {
            case UInt8(ascii: "r"): return true // RateLimit…, Retry-After (and the rare other R field takes the careful path)
            case UInt8(ascii: "x"): return field.name.utf8.count > 11 && field.name.lowercased().hasPrefix("x-ratelimit")
            default: return false
            }
        }
    }

    /// One route's policy with the fields that do not change between its requests built once:
    /// `RateLimit-Policy` and `X-RateLimit-Limit` are then shared strings, not two new ones per
    /// answer.
    public struct Policy: Sendable {
        /// The policy's name, e.g. `GET /api/v1/x`.
        public let name: String
        /// Hits per window.
        public let limit: Int
        /// Seconds per window.
        public let window: Int
        let policyField: String
        let limitField: String
        /// `RateLimit`'s text up to the remaining count.
        let quotaPrefix: String

        /// The policy `name` of `limit` hits per `window` seconds.
        public init(name: String, limit: Int, window: Int) {
            self.name = name
            self.limit = limit
            self.window = window
            policyField = "\"\(name)\";q=\(limit);w=\(window)"
            limitField = String(limit)
            quotaPrefix = "\"\(name)\";r="
        }

        /// Adds the fields for `decision` at `now` (seconds since 1970) to `headers`, as
        /// ``RateLimitFields/add(_:policy:window:now:to:)`` does.
        public func add(_ decision: WindowDecision, now: Int, to headers: inout HTTPHeaders) {
            guard decision.limit == limit, !RateLimitFields.holdsAny(headers) else {
                return RateLimitFields.add(decision, policy: name, window: window, now: now, to: &headers)
            }
            // The usual case, an answer without these fields: appended in one array growth,
            // without a case-insensitive search of the fields per name. Emptying `headers` first
            // leaves `fields` the array's only owner, so it grows in place instead of being copied.
            var fields = headers.fields
            headers = HTTPHeaders()
            fields.reserveCapacity(fields.count + 6)
            let remaining = String(decision.remaining)
            let reset = String(decision.resetSeconds)
            fields.append((name: "RateLimit-Policy", value: policyField))
            fields.append((name: "RateLimit", value: quota(remaining: remaining, reset: reset)))
            fields.append((name: "X-RateLimit-Limit", value: limitField))
            fields.append((name: "X-RateLimit-Remaining", value: remaining))
            fields.append((name: "X-RateLimit-Reset", value: String(now + decision.resetSeconds)))
            if !decision.allowed { fields.append((name: "Retry-After", value: reset)) }
            headers = HTTPHeaders(fields)
        }

        /// `RateLimit`'s value, `"name";r=…;t=…`, built in one allocation rather than one per join.
        private func quota(remaining: String, reset: String) -> String {
            var value = ""
            value.reserveCapacity(quotaPrefix.utf8.count + remaining.utf8.count + 3 + reset.utf8.count)
            value += quotaPrefix
            value += remaining
            value += ";t="
            value += reset
            return value
        }
    }

    /// The `429 rate_limited` answer for a refused hit, with every field.
    public static func refusal(_ decision: WindowDecision, policy name: String, window: Int, now: Int, body: [UInt8]) -> Response {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        add(decision, policy: name, window: window, now: now, to: &headers)
        return Response(status: 429, headers: headers, body: body)
    }
}
