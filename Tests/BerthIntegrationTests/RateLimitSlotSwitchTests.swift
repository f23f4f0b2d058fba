import BerthTestSupport
import Foundation
import Testing

/// A `PUT /api/v1/providers/rate_limit` reaches the limited routes already mounted, on every worker:
/// memory → Redis → memory while a limited route serves, and the counts move with it.
struct RateLimitSlotSwitchTests {
    /// The `RateLimit-Remaining` counts of `count` requests to the limited route, each on a
    /// connection of its own so the workers share them.
    static func remaining(_ host: SupervisedHost, count: Int) throws -> [Int] {
        try (0 ..< count).map { _ in
            let reply = try HTTPTestClient(port: host.berth.port).send("GET", "/api/v1/ctx/request-id")
            #expect(reply.status == 200, "\(reply.status) \(reply.text)")
            return Int(reply.headers["x-ratelimit-remaining"] ?? "") ?? -1
        }
    }

    /// How many times the host's log says a process remounted its limited routes.
    static func remounts(_ host: SupervisedHost) -> Int {
        host.berth.tail(4000).components(separatedBy: "rate-limited routes remounted after the rate-limiting slot moved").count - 1
    }

    @Test(.enabled(if: RedisRateLimitTests.redisRuns, "needs with-test-servers.sh"))
    func switchingTheRateLimitingSlotMovesTheCountsOfMountedRoutesOnEveryWorker() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try host.uploadAndInstall(try TrafficPolicyTests().archive(host.packages, limit: 1000), id: "ctx")
        let archive = try host.packages.packExample("redis_provider", product: "RedisProvider")
        let uploaded = try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
        #expect(uploaded.status == 201 || uploaded.status == 200, "\(uploaded.text)")
        let config: [String: Any] = ["url": RedisRateLimitTests.redisURL, "keyPrefix": "berth-switch-\(UUID().uuidString.prefix(8)):"]
        let installed = try host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": "redis_provider", "config": config])
        #expect(installed.status == 201, "\(installed.text)")
        try pollUntil("2 workers serve ctx and the provider", timeout: 20) {
            host.workerPIDs().count == 2 && (try? host.anonymous.send("GET", "/api/v1/redis_provider/health").status) == 200
        }

        // Memory: one count for the whole host.
        let memory = try Self.remaining(host, count: 4)
        #expect(memory == [999, 998, 997, 996], "\(memory)")

        // Redis: every worker remounts, then every request counts there, from a fresh window.
        let before = Self.remounts(host)
        #expect(try host.admin.sendJSON("PUT", "/api/v1/providers/rate_limit", ["provider": "redis"]).status == 200)
        try pollUntil("both workers remount their limited routes", timeout: 10) { Self.remounts(host) >= before + 2 }
        let redis = try Self.remaining(host, count: 6)
        #expect(redis == [999, 998, 997, 996, 995, 994], "the counts moved to Redis on both workers: \(redis)")

        // And back: the shared file's count goes on where it stopped.
        let again = Self.remounts(host)
        #expect(try host.admin.sendJSON("PUT", "/api/v1/providers/rate_limit", ["provider": "memory"]).status == 200)
        try pollUntil("both workers remount again", timeout: 10) { Self.remounts(host) >= again + 2 }
        let back = try Self.remaining(host, count: 3)
        #expect(back == [995, 994, 993], "the counts are the memory provider's again: \(back)")
    }
}
