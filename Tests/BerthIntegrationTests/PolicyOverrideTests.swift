import BerthTestSupport
import Foundation
import Testing

/// The admin overrides an addon's manifest policies without reinstalling it: the new rules apply
/// at once in every worker, survive a restart, and can be dropped to return to the manifest's.
struct PolicyOverrideTests {
    static let environment = ["BERTH_AUTH_JWT_SECRET": TestTokens.secret]

    @Test func anOverrideRequiresARoleOnAPublicRouteAndDeletingItRestoresTheManifest() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        let client = host.berth.anonymous
        #expect(try client.send("GET", "/api/v1/greet/hello").status == 200)

        let overrides: [String: Any] = ["routes": [
            ["method": "GET", "path": "/hello", "auth": "required", "roles": ["staff"]],
            ["method": "GET", "path": "/me", "auth": "required"],
        ]]
        let changed = try host.berth.admin.sendJSON("PUT", "/api/v1/addons/greeter/policies", overrides)
        #expect(changed.status == 200, "\(changed.text)")
        #expect(((changed.json["effective"] as? [String: Any])?["routes"] as? [[String: Any]])?.count == 2)
        #expect(((changed.json["manifest"] as? [String: Any])?["routes"] as? [[String: Any]])?.count == 1)
        #expect(try client.send("GET", "/api/v1/greet/hello").status == 401)
        let visitor = ["Authorization": "Bearer " + TestTokens.hs256(["sub": "v", "roles": ["visitor"]])]
        let staff = ["Authorization": "Bearer " + TestTokens.hs256(["sub": "s", "roles": ["staff"]])]
        let denied = try client.send("GET", "/api/v1/greet/hello", headers: visitor)
        #expect(denied.status == 403)
        #expect(denied.errorCode == "missing_role")
        #expect(try client.send("GET", "/api/v1/greet/hello", headers: staff).status == 200)

        // Kept in the registry: a restart applies it again.
        host.berth.stop()
        try host.berth.start()
        #expect(try client.send("GET", "/api/v1/greet/hello").status == 401)

        let restored = try host.berth.admin.send("DELETE", "/api/v1/addons/greeter/policies")
        #expect(restored.status == 200, "\(restored.text)")
        #expect(try client.send("GET", "/api/v1/greet/hello").status == 200)
    }

    @Test func anOverrideOfTheRateLimitAndOfCORSTakesEffectAtOnce() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        let client = host.berth.anonymous
        let origin = ["Origin": "https://app.example.com"]
        let preflight = ["Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"]
        let strangerPreflight = ["Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"]
        // The manifest allows every origin and sets no limit.
        #expect(try client.send("OPTIONS", "/api/v1/greet/hello", headers: strangerPreflight).status == 204)
        #expect(try (0 ..< 3).map { _ in try client.send("GET", "/api/v1/greet/hello").status } == [200, 200, 200])

        let overrides: [String: Any] = [
            "routes": [
                ["method": "GET", "path": "/hello", "rateLimit": ["limit": 2, "windowSeconds": 60, "key": "ip"]],
                ["method": "GET", "path": "/me", "auth": "required"],
            ],
            "cors": ["origins": ["https://app.example.com"], "methods": ["GET"]],
        ]
        let changed = try host.berth.admin.sendJSON("PUT", "/api/v1/addons/greeter/policies", overrides)
        #expect(changed.status == 200, "\(changed.text)")
        let statuses = try (0 ..< 3).map { _ in try client.send("GET", "/api/v1/greet/hello").status }
        #expect(statuses == [200, 200, 429], "the overridden limit counts: \(statuses)")
        let limited = try client.send("GET", "/api/v1/greet/hello")
        #expect(limited.errorCode == "rate_limited" && limited.headers["ratelimit-policy"] == "\"GET /api/v1/greet/hello\";q=2;w=60", "\(limited.headers)")
        let allowed = try client.send("OPTIONS", "/api/v1/greet/hello", headers: preflight)
        #expect(allowed.status == 204 && allowed.headers["access-control-allow-origin"] == "https://app.example.com", "\(allowed.status) \(allowed.headers)")
        let stranger = try client.send("OPTIONS", "/api/v1/greet/hello", headers: strangerPreflight)
        #expect(stranger.status == 403 && stranger.errorCode == "cors_origin_denied", "\(stranger.status) \(stranger.text)")
        #expect(try client.send("GET", "/api/v1/greet/ada", headers: origin).headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(try client.send("GET", "/api/v1/greet/ada", headers: ["Origin": "https://evil.example.com"]).headers["access-control-allow-origin"] == nil)

        // Back to the manifest: every origin, and the route unlimited again.
        #expect(try host.berth.admin.send("DELETE", "/api/v1/addons/greeter/policies").status == 200)
        #expect(try client.send("GET", "/api/v1/greet/hello").status == 200)
        #expect(try client.send("OPTIONS", "/api/v1/greet/hello", headers: strangerPreflight).status == 204)
    }

    @Test func anInvalidOverrideIsRefusedNamingTheFieldAndChangesNothing() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        let refused = try host.berth.admin.sendJSON("PUT", "/api/v1/addons/greeter/policies", ["cors": ["origins": ["*"], "credentials": true]])
        #expect(refused.status == 400)
        #expect(refused.errorCode == "invalid_policy")
        #expect(refused.errorMessage?.contains("cors.credentials") == true, "\(refused.text)")
        let unknown = try host.berth.admin.sendJSON("PUT", "/api/v1/addons/nobody/policies", ["routes": []])
        #expect(unknown.status == 404)
        let report = try host.berth.admin.send("GET", "/api/v1/addons/greeter/policies")
        #expect(report.json["overrides"] == nil || report.json["overrides"] is NSNull)
    }

    @Test func anOverrideReachesEveryWorker() throws {
        let host = try SupervisedHost(workers: 2, environment: Self.environment)
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        let changed = try host.admin.sendJSON("PUT", "/api/v1/addons/greeter/policies", ["routes": [["method": "GET", "path": "/hello", "auth": "required"]]])
        #expect(changed.status == 200, "\(changed.text)")
        for _ in 0 ..< 20 {
            #expect(try host.anonymous.send("GET", "/api/v1/greet/hello", headers: ["Connection": "close"]).status == 401)
        }
    }
}
