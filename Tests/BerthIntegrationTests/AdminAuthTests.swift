import BerthTestSupport
import Testing

/// The admin API answers 401 without the right bearer token; `/health` needs none.
struct AdminAuthTests {
    @Test func everyAdminEndpointRefusesAMissingOrWrongToken() throws {
        // 18 wrong tokens from one address: past the failure limit, which AdminRateLimitTests covers.
        let host = try IntegrationHost(environment: ["BERTH_ADMIN_TOKEN_FAILURES_PER_MINUTE": "0"])
        defer { host.close() }
        let endpoints = [
            ("GET", "/api/v1/addons"), ("GET", "/api/v1/addons/greeter"), ("GET", "/api/v1/marketplace/packages"),
            ("POST", "/api/v1/marketplace/packages"), ("POST", "/api/v1/marketplace/install"),
            ("DELETE", "/api/v1/marketplace/uninstall/greeter"), ("POST", "/api/v1/addons/greeter/activate"),
            ("POST", "/api/v1/addons/greeter/deactivate"), ("PATCH", "/api/v1/addons/greeter/config"),
        ]
        for (method, path) in endpoints {
            let anonymous = try host.berth.anonymous.send(method, path)
            #expect(anonymous.status == 401, "\(method) \(path)")
            #expect(anonymous.errorCode == "unauthorized")
            let wrong = try HTTPTestClient(port: host.berth.port, token: host.berth.token + "x").send(method, path)
            #expect(wrong.status == 401, "\(method) \(path)")
            let truncated = try HTTPTestClient(port: host.berth.port, token: String(host.berth.token.dropLast())).send(method, path)
            #expect(truncated.status == 401, "\(method) \(path)")
        }
        #expect(try host.berth.admin.send("GET", "/api/v1/addons").status == 200)
        #expect(try host.berth.anonymous.send("GET", "/health").status == 200)
    }
}
