import PluginAPI
import ProviderKit
import Testing

/// The Redis client against a real redis-server on loopback (with a password). Serialized: one
/// test flushes the server's script cache, which the others fill.
@Suite(.enabled(if: TestServers.available), .serialized)
struct RedisClientTests {
    func configuration(protocolVersion: Int = 2) throws -> RedisConfiguration {
        try RedisConfiguration(url: TestServers.value("BERTH_TEST_REDIS_URL"), protocolVersion: protocolVersion)
    }

    func uniqueKey(_ name: String) -> String { "\(name)-\(UInt64.random(in: 0...UInt64.max))" }

    @Test func aURLGivesHostPortPasswordDatabaseAndTLS() throws {
        let plain = try RedisConfiguration(url: "redis://:s%40cret@10.0.0.5:6380/2")
        #expect(plain.host == "10.0.0.5")
        #expect(plain.port == 6380)
        #expect(plain.password == "s@cret")
        #expect(plain.username == nil)
        #expect(plain.database == 2)
        #expect(plain.tls == nil)
        let upstash = try RedisConfiguration(url: "rediss://default:AXXXtoken@eu1-fancy-cat-31337.upstash.io:6379")
        #expect(upstash.tls != nil)
        #expect(upstash.username == "default")
        #expect(throws: ProviderError.self) { try RedisConfiguration(url: "http://example.com") }
    }

    @Test func getSetDeleteAndBinaryValuesRoundTrip() async throws {
        let cache = RedisCache(client: RedisClient(try configuration()))
        let key = uniqueKey("value")
        let value: [UInt8] = [0, 13, 10, 36, 255, 42]
        #expect(try await cache.get(key) == nil)
        try await cache.set(key, value, ttl: nil)
        #expect(try await cache.get(key) == value)
        #expect(try await cache.delete(key))
        #expect(try await cache.delete(key) == false)
        #expect(try await cache.get(key) == nil)
    }

    @Test func aValueWithATTLExpiresOnTheServer() async throws {
        let client = RedisClient(try configuration())
        let cache = RedisCache(client: client, prefix: "t:")
        let key = uniqueKey("ttl")
        // Long enough that a loaded machine still reads the TTL before it runs out.
        try await cache.set(key, Array("soon gone".utf8), ttl: .milliseconds(1500))
        let ttl = try await client.command("PTTL", "t:" + key).integer ?? -1
        #expect(ttl > 0 && ttl <= 1500)
        // Wait on the condition: the server drops the key when its TTL runs out.
        let clock = ContinuousClock(), giveUp = clock.now + .seconds(10)
        while try await cache.get(key) != nil, clock.now < giveUp { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await cache.get(key) == nil)
    }

    @Test func incrementCountsAtomicallyAndSetsTheTTLOnce() async throws {
        let client = RedisClient(try configuration())
        let cache = RedisCache(client: client, prefix: "i:")
        let key = uniqueKey("counter")
        #expect(try await cache.increment(key, by: 5, ttl: .seconds(60)) == 5)
        #expect(try await cache.increment(key, by: -2, ttl: .seconds(60)) == 3)
        let ttl = try await client.command("PTTL", "i:" + key).integer ?? -1
        #expect(ttl > 0 && ttl <= 60_000)
    }

    @Test func resp3ThroughHelloWorksLikeResp2() async throws {
        let cache = RedisCache(client: RedisClient(try configuration(protocolVersion: 3)))
        let key = uniqueKey("resp3")
        try await cache.set(key, [1, 2, 3], ttl: .seconds(30))
        #expect(try await cache.get(key) == [1, 2, 3])
        #expect(try await cache.get(uniqueKey("absent")) == nil)
    }

    @Test func tlsAsUpstashSpeaksItVerifiesTheServerAndCarriesCommands() async throws {
        var config = try RedisConfiguration(url: TestServers.value("BERTH_TEST_REDIS_TLS_URL"))
        config.tls = TLSOptions(caFile: try TestServers.value("BERTH_TEST_CA"))
        let cache = RedisCache(client: RedisClient(config))
        let key = uniqueKey("tls")
        try await cache.set(key, Array("over TLS".utf8), ttl: .seconds(30))
        #expect(try await cache.get(key) == Array("over TLS".utf8))
        // Without the test authority the handshake fails: the certificate is really checked.
        var untrusted = config
        untrusted.tls = TLSOptions()
        let error = await #expect(throws: ProviderError.self) { _ = try await RedisCache(client: RedisClient(untrusted)).get(key) }
        #expect(error?.code == "provider_tls_failed")
    }

    @Test func aWrongPasswordIsAClearError() async throws {
        var config = try configuration()
        config.password = "not-the-password"
        let error = await #expect(throws: ProviderError.self) { _ = try await RedisCache(client: RedisClient(config)).get("x") }
        #expect(error?.message.contains("WRONGPASS") == true)
    }

    @Test func aServerThatNeverAnswersTimesOutAtTheDeadline() async throws {
        let silent = try SilentServer()
        let client = RedisClient(RedisConfiguration(host: "127.0.0.1", port: silent.port, timeout: .milliseconds(300)))
        let error = await #expect(throws: ProviderError.self) { _ = try await client.command("PING") }
        #expect(error?.code == "provider_timed_out")
        #expect(error?.status == 504)
    }

    @Test func twoClientsHammeringOneKeyAdmitExactlyTheLimit() async throws {
        let config = try configuration()
        let limiters = [RedisRateLimiter(client: RedisClient(config)), RedisRateLimiter(client: RedisClient(config))]
        let key = uniqueKey("shared")
        let admitted = try await withThrowingTaskGroup(of: Int.self) { group in
            for limiter in limiters {
                for _ in 0..<150 {
                    group.addTask { try await limiter.hit(key, limit: 100, window: .seconds(60)).allowed ? 1 : 0 }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(admitted == 100)
        let next = try await limiters[0].hit(key, limit: 100, window: .seconds(60))
        #expect(next.allowed == false)
        #expect(next.remaining == 0)
        #expect(next.reset > .zero && next.reset <= .seconds(60))
    }

    @Test func theScriptIsSentAgainAfterTheServerForgetsIt() async throws {
        let client = RedisClient(try configuration())
        let limiter = RedisRateLimiter(client: client)
        try await client.command("SCRIPT", "FLUSH")
        #expect(try await client.command("SCRIPT", "EXISTS", RedisRateLimiter.script.sha1) == .array([.integer(0)]))
        let decision = try await limiter.hit(uniqueKey("flushed"), limit: 2, window: .seconds(10), cost: 1)
        #expect(decision.allowed)
        #expect(decision.remaining == 1)
        #expect(try await client.command("SCRIPT", "EXISTS", RedisRateLimiter.script.sha1) == .array([.integer(1)]))
    }

    @Test func aCostlyHitThatWouldPassTheLimitIsRefusedWithoutCounting() async throws {
        let limiter = RedisRateLimiter(client: RedisClient(try configuration()))
        let key = uniqueKey("cost")
        #expect(try await limiter.hit(key, limit: 10, window: .seconds(30), cost: 8).allowed)
        #expect(try await limiter.hit(key, limit: 10, window: .seconds(30), cost: 3).allowed == false)
        let last = try await limiter.hit(key, limit: 10, window: .seconds(30), cost: 2)
        #expect(last.allowed)
        #expect(last.remaining == 0)
    }
}
