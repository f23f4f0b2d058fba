import BerthTraffic
import PluginAPI
import Testing

/// The rate-limit answer fields: a route's prebuilt policy writes exactly what the general form
/// writes, for allowed and refused hits.
struct RateLimitFieldsTests {
    func fields(_ decision: WindowDecision, prebuilt: Bool) -> [String: String] {
        var headers = HTTPHeaders()
        if prebuilt {
            RateLimitFields.Policy(name: "GET /api/v1/x", limit: 100, window: 60).add(decision, now: 1_800_000_000, to: &headers)
        } else {
            RateLimitFields.add(decision, policy: "GET /api/v1/x", window: 60, now: 1_800_000_000, to: &headers)
        }
        var values: [String: String] = [:]
        for name in ["RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"] {
            values[name] = headers[name]
        }
        return values
    }

    @Test func aPrebuiltPolicyWritesTheSameFieldsAsTheGeneralForm() {
        let allowed = WindowDecision(allowed: true, limit: 100, remaining: 37, resetSeconds: 23)
        #expect(fields(allowed, prebuilt: true) == fields(allowed, prebuilt: false))
        #expect(fields(allowed, prebuilt: true) == [
            "RateLimit-Policy": "\"GET /api/v1/x\";q=100;w=60", "RateLimit": "\"GET /api/v1/x\";r=37;t=23",
            "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "37", "X-RateLimit-Reset": "1800000023",
        ])
        let refused = WindowDecision(allowed: false, limit: 100, remaining: 0, resetSeconds: 5)
        #expect(fields(refused, prebuilt: true) == fields(refused, prebuilt: false))
        #expect(fields(refused, prebuilt: true)["Retry-After"] == "5")
        // A decision under another limit (an admin override since) is written as it came.
        let other = WindowDecision(allowed: true, limit: 7, remaining: 6, resetSeconds: 60)
        #expect(fields(other, prebuilt: true)["RateLimit-Policy"] == "\"GET /api/v1/x\";q=7;w=60")
    }

    @Test func theHostsFieldsReplaceOnesTheHandlerSetAndKeepTheOthers() {
        let policy = RateLimitFields.Policy(name: "GET /api/v1/x", limit: 100, window: 60)
        let decision = WindowDecision(allowed: true, limit: 100, remaining: 37, resetSeconds: 23)
        var plain: HTTPHeaders = ["Content-Type": "application/json"]
        policy.add(decision, now: 1_800_000_000, to: &plain)
        #expect(plain.fields.map(\.name) == ["Content-Type", "RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"])
        var handlerSet: HTTPHeaders = ["Content-Type": "application/json", "x-ratelimit-remaining": "999", "Cache-Control": "no-store"]
        policy.add(decision, now: 1_800_000_000, to: &handlerSet)
        #expect(handlerSet.fields.filter { $0.name.lowercased() == "x-ratelimit-remaining" }.map(\.value) == ["37"])
        #expect(handlerSet["Cache-Control"] == "no-store")
        #expect(handlerSet.fields.count == 7)
    }
}
