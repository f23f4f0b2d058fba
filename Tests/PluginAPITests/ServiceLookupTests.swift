import PluginAPI
import Testing

/// Services are found by key; a missing permission or provider is an error that says what to fix.
struct ServiceLookupTests {
    struct FixedRateLimiter: RateLimiter {
        func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
            RateLimitDecision(allowed: cost <= limit, limit: limit, remaining: max(0, limit - cost), reset: window)
        }
    }

    @Test func aGrantedServiceIsReturnedAsItsProtocol() async throws {
        let lookup = TableLookup(permissions: ["rate_limit"], services: ["rate_limit": FixedRateLimiter()])
        let context = RequestContext(requestID: "r", deadline: .now, addon: .standIn(lookup: lookup))
        let limiter = try context.service(.rateLimiter)
        let decision = try await limiter.hit("ip:1", limit: 3, window: .seconds(60))
        #expect(decision == RateLimitDecision(allowed: true, limit: 3, remaining: 2, reset: .seconds(60)))
        _ = try context.services.rateLimiter
    }

    @Test func aServiceWithoutItsPermissionIsRefusedNamingThePermission() throws {
        let lookup = TableLookup(permissions: [], services: ["email": "anything"])
        let context = RequestContext(requestID: "r", deadline: .now, addon: .standIn("mailer", lookup: lookup))
        let error = #expect(throws: HTTPError.self) { try context.services.email }
        #expect(error?.status == 500)
        #expect(error?.code == "permission_denied")
        #expect(error?.message.contains("\"email\"") == true)
        #expect(error?.message.contains("mailer") == true)
    }

    @Test func aServiceOfTheWrongTypeIsUnavailableRatherThanATrap() throws {
        let lookup = TableLookup(permissions: ["cache"], services: ["cache": "not a cache"])
        let error = #expect(throws: HTTPError.self) { try AddonContext.standIn(lookup: lookup).service(.cache) }
        #expect(error?.code == "service_unavailable")
    }

    @Test func aContextMadeWithThe1xInitializerOffersItsEventsAndNothingElse() throws {
        let context = AddonContext(addonID: "old", database: UnusedDatabase(), logger: Logger(label: "old", handler: RecordingLogHandler()), events: SilentEvents()) { AddonConfiguration() }
        _ = try context.service(.events)
        #expect(throws: HTTPError.self) { try context.service(.storage) }
    }

    @Test func getOrSetStoresWhatItMadeOnAMiss() async throws {
        actor Memory: CacheStore {
            var values: [String: [UInt8]] = [:]
            func get(_ key: String) async throws -> [UInt8]? { values[key] }
            func set(_ key: String, _ value: [UInt8], ttl: Duration?) async throws { values[key] = value }
            func delete(_ key: String) async throws -> Bool { values.removeValue(forKey: key) != nil }
            func increment(_ key: String, by delta: Int64, ttl: Duration?) async throws -> Int64 { delta }
        }
        let cache = Memory()
        #expect(try await cache.getOrSet("k", ttl: nil) { [1] } == [1])
        #expect(try await cache.getOrSet("k", ttl: nil) { [2] } == [1])
    }
}
