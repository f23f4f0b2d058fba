@testable import BerthCore
import Foundation
import PluginAPI
import Testing

/// The outbox on a real SQLite file, opened twice as two workers would: an event is stored only for
/// matching durable subscriptions, a delivery is leased to one worker at a time, a lower priority
/// waits for a higher one, and a delivery out of attempts is a dead letter.
struct EventOutboxStoreTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-outbox-\(UUID().uuidString.prefix(8))").path
    let high = SubscriptionKey(addon: "audit", pattern: "orders.*")
    let low = SubscriptionKey(addon: "mailer", pattern: "orders.created")

    func stores() async throws -> (SQLiteEventStore, SQLiteEventStore) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let first = try SQLiteEventStore(path: folder + "/events.sqlite"), second = try SQLiteEventStore(path: folder + "/events.sqlite")
        try await first.subscribe(DurableSubscription(key: high, priority: 10, maxAttempts: 2))
        try await second.subscribe(DurableSubscription(key: low, priority: 1, maxAttempts: 2))
        return (first, second)
    }

    func event(_ name: String, id: String) -> Event {
        Event(id: id, name: name, source: "shop", payload: .object(["n": .number(1)]), publishedAtMilliseconds: 1000)
    }

    @Test func anEventIsStoredOnlyForMatchingSubscriptionsAndLeasedToOneWorkerAtATime() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (first, second) = try await stores()
        #expect(try await first.publish(event("users.created", id: "e0")) == 0)
        #expect(try await first.publish(event("orders.created", id: "e1")) == 2)

        async let a = first.claim(for: [high, low], worker: "a", now: 2000, leaseUntil: 9000, limit: 10)
        async let b = second.claim(for: [high, low], worker: "b", now: 2000, leaseUntil: 9000, limit: 10)
        let claimed = try await a + b
        // Only the higher priority is due; the lower waits for it.
        #expect(claimed.map(\.key) == [high], "\(claimed.map(\.key))")
        #expect(claimed.first?.event.source == "shop" && claimed.first?.event.payload == .object(["n": .number(1)]))
        #expect(try await second.claim(for: [low], worker: "b", now: 2000, leaseUntil: 9000, limit: 10).isEmpty)

        try await first.delivered(claimed[0].id)
        let next = try await second.claim(for: [high, low], worker: "b", now: 2000, leaseUntil: 9000, limit: 10)
        #expect(next.map(\.key) == [low])
        try await second.delivered(next[0].id)
        #expect(try await first.claim(for: [high, low], worker: "a", now: 99_000, leaseUntil: 100_000, limit: 10).isEmpty)
    }

    @Test func aFailedDeliveryIsRetriedAtItsTimeAndIsADeadLetterOnceItsAttemptsRanOut() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (store, _) = try await stores()
        _ = try await store.publish(event("orders.paid", id: "e2"))
        let first = try #require(try await store.claim(for: [high], worker: "a", now: 2000, leaseUntil: 9000, limit: 1).first)
        try await store.failed(first, error: "boom 1", retryAt: 5000)
        #expect(try await store.claim(for: [high], worker: "a", now: 4000, leaseUntil: 9000, limit: 1).isEmpty)
        let second = try #require(try await store.claim(for: [high], worker: "a", now: 5000, leaseUntil: 9000, limit: 1).first)
        #expect(second.attempts == 2)
        try await store.failed(second, error: "boom 2", retryAt: 6000)
        #expect(try await store.claim(for: [high], worker: "a", now: 60_000, leaseUntil: 90_000, limit: 1).isEmpty)
        let dead = try await store.deadLetters(limit: 10)
        #expect(dead.map(\.addon) == ["audit"] && dead.first?.attempts == 2 && dead.first?.lastError == "boom 2" && dead.first?.event.id == "e2")

        try await store.forget(addon: "audit")
        #expect(try await store.deadLetters(limit: 10).isEmpty)
    }

    @Test func aLeaseThatExpiredIsClaimedAgain() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (first, second) = try await stores()
        _ = try await first.publish(event("orders.shipped", id: "e3"))
        #expect(try await first.claim(for: [high], worker: "a", now: 2000, leaseUntil: 3000, limit: 1).count == 1)
        #expect(try await second.claim(for: [high], worker: "b", now: 2500, leaseUntil: 4000, limit: 1).isEmpty)
        let again = try await second.claim(for: [high], worker: "b", now: 3001, leaseUntil: 4000, limit: 1)
        #expect(again.count == 1 && again.first?.attempts == 2)
    }
}
