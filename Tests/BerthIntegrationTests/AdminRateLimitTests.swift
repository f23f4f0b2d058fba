import BerthTestSupport
import Foundation
import Testing

/// Limits on the admin API per client address, counted across workers in the shared file: failed
/// admin tokens (then every admin request from the address is refused until the window ends) and
/// package uploads.
struct AdminRateLimitTests {
    @Test func tenFailedTokensFromOneAddressAcrossTwoWorkersLockItOutWith429() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        let guesser = HTTPTestClient(port: host.berth.port, token: "not-the-token")
        for attempt in 1 ... 10 {
            let reply = try guesser.send("GET", "/api/v1/addons")
            #expect(reply.status == 401, "attempt \(attempt): \(reply.status) \(reply.text)")
        }
        // A failed token on a route with a body is refused before the body, and counts too.
        let upload = try guesser.send("POST", "/api/v1/marketplace/packages", body: Array(repeating: 1, count: 64))
        #expect(upload.status == 429, "\(upload.status) \(upload.text)")
        #expect(upload.errorCode == "too_many_token_failures")
        let locked = try guesser.send("GET", "/api/v1/addons")
        #expect(locked.status == 429)
        #expect(Int(locked.headers["retry-after"] ?? "") ?? 0 >= 1, "\(locked.headers)")
        // The right token from the same address is refused too while the lockout lasts: a guess
        // that happens to be right must not be told apart.
        #expect(try host.admin.send("GET", "/api/v1/addons").status == 429)
        // A request without any credential is not a guess: it is not counted, and /health is open.
        #expect(try host.anonymous.send("GET", "/health").status == 200)
    }

    @Test func requestsWithoutCredentialsAreNotCountedAndZeroTurnsTheLimitOff() throws {
        let host = try IntegrationHost(environment: ["BERTH_ADMIN_TOKEN_FAILURES_PER_MINUTE": "0"])
        defer { host.close() }
        let guesser = HTTPTestClient(port: host.berth.port, token: "not-the-token")
        for _ in 1 ... 15 { #expect(try guesser.send("GET", "/api/v1/addons").status == 401) }
        #expect(try host.berth.admin.send("GET", "/api/v1/addons").status == 200)

        let limited = try IntegrationHost(environment: ["BERTH_ADMIN_TOKEN_FAILURES_PER_MINUTE": "2"])
        defer { limited.close() }
        for _ in 1 ... 5 { #expect(try limited.berth.anonymous.send("GET", "/api/v1/addons").status == 401) }
        #expect(try limited.berth.admin.send("GET", "/api/v1/addons").status == 200)
    }

    @Test func uploadsPastTheLimitPerMinuteAre429WithTheRateLimitFields() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_ADMIN_UPLOADS_PER_MINUTE": "2"])
        defer { host.close() }
        let archive = Array(try Data(contentsOf: URL(fileURLWithPath: try host.packages.packExample("greeter", product: "Greeter"))))
        #expect(try host.admin.send("POST", "/api/v1/marketplace/packages", body: archive).status == 201)
        #expect(try host.admin.send("POST", "/api/v1/marketplace/packages", body: archive).status == 200)
        let refused = try host.admin.send("POST", "/api/v1/marketplace/packages", body: archive)
        #expect(refused.status == 429, "\(refused.status) \(refused.text)")
        #expect(refused.errorCode == "too_many_uploads")
        #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(refused.headers["ratelimit-policy"] == "\"admin uploads\";q=2;w=60")
        // Other admin calls are not uploads.
        #expect(try host.admin.send("GET", "/api/v1/marketplace/packages").status == 200)
    }
}
