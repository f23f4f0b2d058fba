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
