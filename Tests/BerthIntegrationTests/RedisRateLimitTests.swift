import BerthPackages
import BerthTestSupport
import Foundation
import Glibc
import Testing

/// Route rate limits counted through the rate-limiting slot on Redis (the `redis_provider`
/// addon): shared by the nodes of a cluster, and failing open or closed as configured when Redis
/// is unreachable or stopped.
struct RedisRateLimitTests {
    static let environment = ProcessInfo.processInfo.environment
    /// The with-test-servers.sh Redis (with a password), when it runs.
    static let redisURL = environment["BERTH_TEST_REDIS_URL"] ?? ""
    static var redisRuns: Bool { !redisURL.isEmpty || environment["BERTH_REQUIRE_TEST_SERVERS"] == "1" }

    /// Installs the Redis provider on `host` pointing at `url`, and selects it for rate limits.
    static func installRedisProvider(_ host: IntegrationHost, url: String, timeoutMilliseconds: Int = 1000) throws {
        let archive = try host.packages.packExample("redis_provider", product: "RedisProvider")
        let config: [String: Any] = ["url": url, "keyPrefix": "berth-test-\(UUID().uuidString.prefix(8)):", "timeoutMilliseconds": timeoutMilliseconds]
        let installed = try host.uploadAndInstall(archive, id: "redis_provider", config: config)
        #expect(installed.status == 201, "\(installed.text)")
        let selected = try host.berth.admin.sendJSON("PUT", "/api/v1/providers/rate_limit", ["provider": "redis"])
        #expect(selected.status == 200, "\(selected.text)")
    }

    /// `count` requests to the limited route; how many were admitted, refused, and answered otherwise.
    static func hammer(_ clients: [HTTPTestClient], count: Int) throws -> (admitted: Int, refused: Int, other: [Int]) {
        var admitted = 0, refused = 0, other: [Int] = []
        for index in 0 ..< count {
            let reply = try clients[index % clients.count].send("GET", "/api/v1/ctx/request-id")
            switch reply.status {
            case 200: admitted += 1
            case 429: refused += 1
            default: other.append(reply.status)
            }
        }
        return (admitted, refused, other)
    }

    @Test(.enabled(if: PostgresTestDatabase.shouldRun && redisRuns, "needs with-postgres.sh and with-test-servers.sh"))
    func aLimitOf100AdmitsExactly100AcrossThreeClusterNodesSharingOneRedis() throws {
        let cluster = try ClusterTests.Cluster(nodes: 3)
        defer { cluster.close() }
        let first = cluster.first
        try Self.installRedisProvider(first, url: Self.redisURL)
        let nodes = (1 ... 3).map { cluster.node($0) }
        // Every node converges on the provider, then chooses it for its rate limits.
        for node in nodes.dropFirst() {
            try pollUntil("the redis provider runs on port \(node.port)", timeout: 20) {
                try node.admin.sendJSON("PUT", "/api/v1/providers/rate_limit", ["provider": "redis"]).status == 200
            }
        }
        let archive = try TrafficPolicyTests().archive(first.packages, limit: 100)
        #expect(try first.uploadAndInstall(archive, id: "ctx").status == 201)
        for node in nodes {
            try pollUntil("ctx serves on port \(node.port)", timeout: 20) { try node.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200 }
        }
        let counts = try Self.hammer(nodes.map(\.anonymous), count: 150)
        #expect(counts.admitted == 100, "\(counts)")
        #expect(counts.refused == 50, "\(counts)")
        #expect(counts.other.isEmpty, "\(counts)")
        // Each node reports the shared count.
        let reply = try nodes[2].anonymous.send("GET", "/api/v1/ctx/request-id")
        #expect(reply.status == 429)
        #expect(reply.headers["x-ratelimit-remaining"] == "0")
        #expect(reply.headers["ratelimit-policy"] == "\"GET /api/v1/ctx/request-id\";q=100;w=60")
    }

    @Test(.enabled(if: redisRuns, "needs with-test-servers.sh"))
    func theProviderSpeaksTLSWithAPrivateAuthorityAndKeepsItsURLSecret() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let url = try #require(Self.environment["BERTH_TEST_REDIS_TLS_URL"])
        let caFile = try #require(Self.environment["BERTH_TEST_CA"])
        let archive = try host.packages.packExample("redis_provider", product: "RedisProvider")
        let installed = try host.uploadAndInstall(archive, id: "redis_provider", config: ["url": url, "caFile": caFile])
        #expect(installed.status == 201, "\(installed.text)")
        let health = try host.berth.anonymous.send("GET", "/api/v1/redis_provider/health")
        #expect(health.status == 200, "\(health.text)")
        #expect((health.json["server"] as? String)?.hasPrefix("rediss://") == true)
        let shown = try host.berth.admin.send("GET", "/api/v1/addons/redis_provider/config")
        #expect(!shown.text.contains(url), "\(shown.text)")
        #expect(try host.berth.admin.sendJSON("PUT", "/api/v1/providers/cache", ["provider": "redis"]).status == 200)
    }

    @Test func anUnreachableRedisFailsOpenByDefaultAndSaysSoInTheLog() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try Self.installRedisProvider(host, url: "redis://127.0.0.1:\(try BerthProcess.freePort())", timeoutMilliseconds: 200)
        #expect(try host.uploadAndInstall(try TrafficPolicyTests().archive(host.packages, limit: 2), id: "ctx").status == 201)
        let counts = try Self.hammer([host.berth.anonymous], count: 4)
        #expect(counts.admitted == 4, "\(counts)")
        let reply = try host.berth.anonymous.send("GET", "/api/v1/ctx/request-id")
        #expect(reply.status == 200)
        #expect(reply.headers["x-ratelimit-remaining"] == nil)
        #expect(host.berth.tail(200).contains("rate limit not counted: the rate-limiting provider failed"))
    }

    @Test func aStoppedRedisFailsClosedWhenConfiguredTo() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let host = try IntegrationHost(environment: ["BERTH_RATE_LIMIT_FAIL_OPEN": "0"])
        defer { host.close() }
        try Self.installRedisProvider(host, url: "redis://127.0.0.1:\(redis.port)", timeoutMilliseconds: 300)
        #expect(try host.uploadAndInstall(try TrafficPolicyTests().archive(host.packages, limit: 2), id: "ctx").status == 201)
        let counts = try Self.hammer([host.berth.anonymous], count: 3)
        #expect(counts.admitted == 2 && counts.refused == 1, "\(counts)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/redis_provider/health").status == 200)
        redis.stop()
        let health = try host.berth.anonymous.send("GET", "/api/v1/redis_provider/health")
        #expect(health.status == 503)
        #expect(health.errorCode == "redis_unavailable")
        let refused = try host.berth.anonymous.send("GET", "/api/v1/ctx/request-id")
        #expect(refused.status == 503, "\(refused.status) \(refused.text)")
        #expect(refused.errorCode == "rate_limit_unavailable")
        #expect(refused.headers["retry-after"] == "1")
        // Routes without a limit do not depend on the store.
        #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200)
    }
}

/// A `redis-server` of the test's own on a free loopback port, without persistence, so a test can
/// stop it.
final class RedisServer: @unchecked Sendable {
    // `@unchecked Sendable`: used by one test, in sequence.
    let port: Int
    private let process = Process()

    init() throws {
        port = try BerthProcess.freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try pollUntil("redis-server listens on \(port)", timeout: 10) { Self.listens(self.port) }
    }

    /// Kills the server (the test process's threads block SIGTERM, which the child inherits) and
    /// waits until it is gone.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func listens(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
