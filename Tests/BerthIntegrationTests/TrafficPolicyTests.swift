import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// Rate limits, CORS and metrics the host applies to addon routes from their manifest, through
/// the real binary (one process, and two worker processes sharing one count).
struct TrafficPolicyTests {
    /// The context fixture with a limit on `GET /request-id` and a CORS policy.
    func archive(_ packages: PackageFactory, limit: Int) throws -> String {
        try packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = ["database"]
            manifest.routes = [RoutePolicy(method: "GET", path: "/request-id", rateLimit: RateLimitRule(limit: limit, windowSeconds: 60, key: "ip"))]
            manifest.cors = CORSPolicy(origins: ["https://app.example.com"], headers: ["Authorization"], credentials: true)
        }
    }

    @Test func aRateLimitRefusesWith429AndEveryFieldOnceItIsReached() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages, limit: 3), id: "ctx").status == 201)
        let client = host.berth.anonymous
        for remaining in [2, 1, 0] {
            let reply = try client.send("GET", "/api/v1/ctx/request-id")
            #expect(reply.status == 200)
            #expect(reply.headers["ratelimit"] == "\"GET /api/v1/ctx/request-id\";r=\(remaining);t=60" || reply.headers["ratelimit"]?.contains(";r=\(remaining);") == true, "\(reply.headers)")
            #expect(reply.headers["x-ratelimit-remaining"] == String(remaining))
            #expect(reply.headers["x-ratelimit-limit"] == "3")
        }
        let refused = try client.send("GET", "/api/v1/ctx/request-id")
        #expect(refused.status == 429)
        #expect(refused.errorCode == "rate_limited")
        #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(refused.headers["ratelimit-policy"] == "\"GET /api/v1/ctx/request-id\";q=3;w=60")
        #expect(refused.headers["x-ratelimit-remaining"] == "0")
        #expect(Int(refused.headers["x-ratelimit-reset"] ?? "") ?? 0 > Int(Date().timeIntervalSince1970))
        // Routes without a limit are not counted.
        #expect(try client.send("GET", "/api/v1/ctx/deadline").status == 200)
    }

    @Test func aLimitOf100AdmitsExactly100AcrossTwoWorkers() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try host.uploadAndInstall(try archive(host.packages, limit: 100), id: "ctx")
        var admitted = 0, refused = 0
        for _ in 0 ..< 160 {
            // A connection per request, so the kernel spreads them over both workers.
            switch try host.anonymous.send("GET", "/api/v1/ctx/request-id", headers: ["Connection": "close"]).status {
            case 200: admitted += 1
            case 429: refused += 1
            default: break
            }
        }
        #expect(admitted == 100)
        #expect(refused == 60)
    }

    @Test func theHostAnswersPreflightsAndMarksAllowedOrigins() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages, limit: 100), id: "ctx").status == 201)
        let client = host.berth.anonymous
        let preflight = try client.send("OPTIONS", "/api/v1/ctx/deadline", headers: ["Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"])
        #expect(preflight.status == 204, "\(preflight.text)")
        #expect(preflight.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(preflight.headers["access-control-allow-credentials"] == "true")
        #expect(preflight.headers["access-control-allow-headers"] == "Authorization")
        #expect(preflight.headers["access-control-allow-methods"]?.contains("GET") == true)
        let stranger = try client.send("OPTIONS", "/api/v1/ctx/deadline", headers: ["Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"])
        #expect(stranger.status == 403)
        #expect(stranger.errorCode == "cors_origin_denied")
        let wrongMethod = try client.send("OPTIONS", "/api/v1/ctx/deadline", headers: ["Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"])
        #expect(wrongMethod.status == 403)
        let simple = try client.send("GET", "/api/v1/ctx/deadline", headers: ["Origin": "https://app.example.com"])
        #expect(simple.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(simple.headers["vary"] == "Origin")
        let foreign = try client.send("GET", "/api/v1/ctx/deadline", headers: ["Origin": "https://evil.example.com"])
        #expect(foreign.headers["access-control-allow-origin"] == nil)
    }

    @Test func metricsCountEveryRouteByTemplateAndStatusAcrossWorkers() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_METRICS_TOKEN": "scraper-token"])
        defer { host.close() }
        try host.uploadAndInstall(try archive(host.packages, limit: 1000), id: "ctx")
        for _ in 0 ..< 7 { _ = try host.anonymous.send("GET", "/api/v1/ctx/request-id", headers: ["Connection": "close"]) }
        let refused = try host.anonymous.send("GET", "/metrics")
        #expect(refused.status == 401)
        let scrape = try HTTPTestClient(port: host.berth.port, token: "scraper-token").send("GET", "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(scrape.text.contains(#"berth_http_requests_total{addon="ctx",route="/api/v1/ctx/request-id",method="GET",code="200"} 7"#), "\(scrape.text.prefix(2000))")
        #expect(scrape.text.contains(#"berth_http_request_duration_seconds_count{addon="ctx",route="/api/v1/ctx/request-id",method="GET"} 7"#))
        let open = try host.admin.send("GET", "/metrics", headers: ["Accept": "application/openmetrics-text; version=1.0.0"])
        #expect(open.headers["content-type"]?.hasPrefix("application/openmetrics-text") == true)
        #expect(open.text.hasSuffix("# EOF\n"))
    }
}
