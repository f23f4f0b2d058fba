import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// The rate-limit keys other than `ip` through the real binary: `user` counts per token subject
/// (anonymous callers per address), `route` counts everyone together, `header:<Name>` per value
/// of that field.
struct RateLimitKeysTests {
    /// The context fixture with a limit of 2 per minute on three routes, each with another key.
    func archive(_ packages: PackageFactory) throws -> String {
        try packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = ["database"]
            manifest.routes = [
                RoutePolicy(method: "GET", path: "/request-id", auth: .optional, rateLimit: RateLimitRule(limit: 2, windowSeconds: 60, key: "user")),
                RoutePolicy(method: "GET", path: "/deadline", auth: .optional, rateLimit: RateLimitRule(limit: 2, windowSeconds: 60, key: "route")),
                RoutePolicy(method: "GET", path: "/deadline-ms", rateLimit: RateLimitRule(limit: 2, windowSeconds: 60, key: "header:X-Phone")),
            ]
        }
    }

    func bearer(_ subject: String) -> [String: String] {
        ["Authorization": "Bearer " + TestTokens.hs256(["sub": subject])]
    }

    /// The statuses of `count` requests to `path` with `headers`.
    func statuses(_ client: HTTPTestClient, _ path: String, _ headers: [String: String] = [:], count: Int) throws -> [Int] {
        try (0 ..< count).map { _ in try client.send("GET", path, headers: headers).status }
    }

    @Test func aUserKeyCountsEachSubjectApartAndAnonymousCallersByAddress() throws {
        let host = try IntegrationHost(environment: ["BERTH_AUTH_JWT_SECRET": TestTokens.secret])
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages), id: "ctx").status == 201)
        let client = host.berth.anonymous
        #expect(try statuses(client, "/api/v1/ctx/request-id", bearer("ada"), count: 3) == [200, 200, 429])
        let refused = try client.send("GET", "/api/v1/ctx/request-id", headers: bearer("ada"))
        #expect(refused.errorCode == "rate_limited" && refused.headers["retry-after"] != nil, "\(refused.text)")
        // Another subject from the same address has a count of its own, and so have anonymous callers.
        #expect(try statuses(client, "/api/v1/ctx/request-id", bearer("bob"), count: 3) == [200, 200, 429])
        #expect(try statuses(client, "/api/v1/ctx/request-id", count: 3) == [200, 200, 429])
    }

    @Test func aRouteKeyIsOneCountForEveryCaller() throws {
        let host = try IntegrationHost(environment: ["BERTH_AUTH_JWT_SECRET": TestTokens.secret])
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages), id: "ctx").status == 201)
        let client = host.berth.anonymous
        #expect(try client.send("GET", "/api/v1/ctx/deadline", headers: bearer("ada")).status == 200)
        #expect(try client.send("GET", "/api/v1/ctx/deadline", headers: bearer("bob")).status == 200)
        // The limit is reached for everyone, signed in or not.
        for headers in [bearer("ada"), bearer("carol"), [:]] {
            let reply = try client.send("GET", "/api/v1/ctx/deadline", headers: headers)
            #expect(reply.status == 429 && reply.headers["x-ratelimit-remaining"] == "0", "\(reply.status) \(reply.text)")
        }
        // Another route's count is apart.
        #expect(try client.send("GET", "/api/v1/ctx/request-id").status == 200)
    }

    @Test func aHeaderKeyCountsEachValueOfTheFieldApart() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try archive(host.packages), id: "ctx").status == 201)
        let client = host.berth.anonymous
        #expect(try statuses(client, "/api/v1/ctx/deadline-ms", ["X-Phone": "+4930111"], count: 3) == [200, 200, 429])
        #expect(try statuses(client, "/api/v1/ctx/deadline-ms", ["X-Phone": "+4930222"], count: 3) == [200, 200, 429])
        // Field names are case-insensitive: the same value under another spelling is the same count.
        #expect(try client.send("GET", "/api/v1/ctx/deadline-ms", headers: ["x-phone": "+4930111"]).status == 429)
        // Requests without the field share the empty value's count.
        #expect(try statuses(client, "/api/v1/ctx/deadline-ms", count: 3) == [200, 200, 429])
    }
}
