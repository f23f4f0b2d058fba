import Dispatch
import Foundation
import PluginAPI
import Synchronization
import Testing
@testable import BerthTraffic

struct RateWindowTableTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rate-\(UUID().uuidString)").path
    }

    func decision(_ outcome: RateWindowTable.Outcome) throws -> WindowDecision {
        guard case .decided(let decision) = outcome else { throw CocoaError(.featureUnsupported) }
        return decision
    }

    @Test func aLimitAdmitsExactlyThatManyHitsAcrossTwoMappingsAndManyThreads() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Two mappings of one file behave as two worker processes do.
        let tables = [try RateWindowTable(path: path, slots: 1024), try RateWindowTable(path: path, slots: 1024)]
        let admitted = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for _ in 0 ..< 500 {
                if case .decided(let decision) = tables[worker % 2].hit("greeter|GET /hello|127.0.0.1", limit: 100, window: 60, now: 1_000), decision.allowed {
                    admitted.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(admitted.load(ordering: .relaxed) == 100)
    }

    @Test func theWindowStartsAtTheFirstHitAndResetsWhenItEnds() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try RateWindowTable(path: path, slots: 64)
        let first = try decision(table.hit("k", limit: 3, window: 300, now: 10_000))
        #expect(first.allowed && first.remaining == 2 && first.resetSeconds == 300)
        _ = table.hit("k", limit: 3, window: 300, now: 10_100)
        let third = try decision(table.hit("k", limit: 3, window: 300, now: 10_200))
        #expect(third.allowed && third.remaining == 0 && third.resetSeconds == 100)
        let refused = try decision(table.hit("k", limit: 3, window: 300, now: 10_250))
        #expect(!refused.allowed && refused.remaining == 0 && refused.resetSeconds == 50)
        let next = try decision(table.hit("k", limit: 3, window: 300, now: 10_300))
        #expect(next.allowed && next.remaining == 2 && next.resetSeconds == 300)
    }

    @Test func keysCountSeparatelyAndACostCountsSeveralHits() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try RateWindowTable(path: path, slots: 64)
        #expect(try decision(table.hit("a", limit: 10, window: 60, cost: 7, now: 1)).remaining == 3)
        #expect(try decision(table.hit("b", limit: 10, window: 60, now: 1)).remaining == 9)
        #expect(try decision(table.hit("a", limit: 10, window: 60, cost: 4, now: 2)).allowed == false)
        #expect(try decision(table.hit("a", limit: 10, window: 60, cost: 3, now: 2)).remaining == 0)
    }

    @Test func aKeyHashedInPiecesCountsInTheSameWindowAsTheWholeKey() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try RateWindowTable(path: path, slots: 64)
        let prefix = table.keyHash.adding("greeter|GET /api/v1/greet/hello|")
        #expect(try decision(table.hit("greeter|GET /api/v1/greet/hello|ip:10.0.0.1", limit: 10, window: 60, now: 1)).remaining == 9)
        #expect(try decision(table.hit(hashed: prefix.adding("ip:10.0.0.1").finished, limit: 10, window: 60, now: 2)).remaining == 8)
        #expect(try decision(table.hit(hashed: prefix.adding("ip:10.0.0.2").finished, limit: 10, window: 60, now: 2)).remaining == 9, "another key, another window")
        #expect(SharedKeyHash.hash(seed: 7, Array("ab".utf8)) == SharedKeyHash.State(seed: 7).adding("a").adding("b").finished)
    }

    @Test func countsSurviveReopeningTheFile() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try RateWindowTable(path: path, slots: 64).hit("k", limit: 2, window: 60, now: 5)
        let reopened = try RateWindowTable(path: path, slots: 64)
        #expect(try decision(reopened.hit("k", limit: 2, window: 60, now: 6)).remaining == 0)
        #expect(throws: TrafficError.self) { try RateWindowTable(path: path, slots: 128) }
    }

    @Test func aFullTableSaysSoAndEndedWindowsAreReused() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try RateWindowTable(path: path, slots: 16)
        for index in 0 ..< 16 { _ = table.hit("key-\(index)", limit: 5, window: 10, now: 100) }
        #expect(table.hit("one-more", limit: 5, window: 10, now: 105) == .unavailable)
        // Once their windows ended the slots serve new keys.
        #expect(try decision(table.hit("one-more", limit: 5, window: 10, now: 200)).allowed)
    }

    @Test func theResponseFieldsFollowTheDraftAndTheLegacyNames() {
        var headers = HTTPHeaders()
        let refused = WindowDecision(allowed: false, limit: 3, remaining: 0, resetSeconds: 42)
        RateLimitFields.add(refused, policy: "sms_codes", window: 300, now: 1_000, to: &headers)
        #expect(headers["RateLimit-Policy"] == "\"sms_codes\";q=3;w=300")
        #expect(headers["RateLimit"] == "\"sms_codes\";r=0;t=42")
        #expect(headers["X-RateLimit-Limit"] == "3")
        #expect(headers["X-RateLimit-Remaining"] == "0")
        #expect(headers["X-RateLimit-Reset"] == "1042")
        #expect(headers["Retry-After"] == "42")
        var allowed = HTTPHeaders()
        RateLimitFields.add(WindowDecision(allowed: true, limit: 3, remaining: 2, resetSeconds: 300), policy: "p", window: 300, now: 0, to: &allowed)
        #expect(allowed["Retry-After"] == nil)
    }
}
