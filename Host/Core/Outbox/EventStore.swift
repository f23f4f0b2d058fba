import BerthStorage
import Foundation
import PluginAPI

/// Where durable events wait for their subscribers, shared by every worker (and, on PostgreSQL,
/// every node): the outbox.
///
/// - `subscriptions(addon, pattern, priority, max_attempts)`: the durable subscriptions, kept until
///   the addon's uninstall;
/// - `events(id, name, source, payload, published_ms)`: each event with at least one durable
///   subscriber;
/// - `deliveries(id, event_id, addon, pattern, priority, attempts, max_attempts, state, next_ms,
///   lease_until_ms, last_error, worker)`: one row per event and matching subscription, written in
///   the publishing transaction; removed once handled, `dead` once its attempts ran out.
protocol EventStore: Sendable {
    /// Records (or updates) a durable subscription.
    func subscribe(_ subscription: DurableSubscription) async throws

    /// Stores `event` with one delivery per durable subscription whose pattern matches it, in one
    /// transaction; nothing when none matches.
    /// - Returns: how many deliveries were written.
    @discardableResult
    func publish(_ event: Event) async throws -> Int

    /// Leases up to `limit` due deliveries of `subscriptions` to `worker` until `leaseUntil`,
    /// counting an attempt for each; a delivery waits while one of higher priority of the same event
    /// is pending.
    func claim(for subscriptions: [SubscriptionKey], worker: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [ClaimedDelivery]

    /// The delivery was handled: it is removed (and its event, once no delivery refers to it).
    func delivered(_ id: Int64) async throws

    /// The delivery failed: tried again at `retryAt`, or dead when its attempts ran out.
    func failed(_ delivery: ClaimedDelivery, error: String, retryAt: Int64) async throws

    /// The dead letters, newest first.
    func deadLetters(limit: Int) async throws -> [DeadLetter]

    /// Removes `addon`'s subscriptions and deliveries (its uninstall).
    func forget(addon: String) async throws

    func close()
}

/// Identifies a durable subscription.
struct SubscriptionKey: Sendable, Hashable {
    let addon: String
    let pattern: String
}

struct DurableSubscription: Sendable {
    let key: SubscriptionKey
    let priority: Int
    let maxAttempts: Int
}

/// A delivery leased to this process.
struct ClaimedDelivery: Sendable {
    let id: Int64
    let key: SubscriptionKey
    let attempts: Int
    let maxAttempts: Int
    let event: Event
}

/// An event whose delivery to a subscriber gave up.
struct DeadLetter: Encodable, Sendable {
    let delivery: Int64
    let addon: String
    let pattern: String
    let attempts: Int
    let lastError: String?
    let event: EventListing
}

/// An event as the admin API shows it.
struct EventListing: Encodable, Sendable {
    let id: String
    let name: String
    let source: String
    let publishedAt: String
    let payload: JSONValue
}

/// The SQL both stores share; `$n` parameters.
enum EventStoreSQL {
    /// The claim's candidate rows; `pairs` is the `(addon, pattern)` filter from parameter `$3` on.
    static func candidates(_ prefix: String, pairs: Int, lock: String) -> String {
        let filter = (0 ..< pairs).map { "(d.addon = $\(3 + 2 * $0) AND d.pattern = $\(4 + 2 * $0))" }.joined(separator: " OR ")
        return """
            SELECT d.id FROM \(prefix)deliveries d
            WHERE d.state = 'pending' AND d.next_ms <= $1 AND (d.lease_until_ms IS NULL OR d.lease_until_ms < $1) AND (\(filter))
              AND NOT EXISTS (SELECT 1 FROM \(prefix)deliveries h WHERE h.event_id = d.event_id AND h.priority > d.priority AND h.state = 'pending')
            ORDER BY d.id LIMIT $2\(lock)
            """
    }

    static func candidateParameters(_ keys: [SubscriptionKey], now: Int64, limit: Int) -> [SQLValue] {
        [.integer(now), .integer(Int64(limit))] + keys.flatMap { [SQLValue.text($0.addon), .text($0.pattern)] }
    }

    static func lease(_ prefix: String) -> String {
        """
        UPDATE \(prefix)deliveries SET lease_until_ms = $2, worker = $3, attempts = attempts + 1 WHERE id = $1
        RETURNING id, addon, pattern, attempts, max_attempts, event_id
        """
    }

    static func event(_ prefix: String) -> String {
        "SELECT id, name, source, payload, published_ms FROM \(prefix)events WHERE id = $1"
    }

    static func decodeEvent(_ row: SQLRow) -> Event {
        let payload = (row["payload"]?.text).flatMap { JSONValue(outboxText: $0) } ?? .null
        return Event(id: row["id"]?.text ?? "", name: row["name"]?.text ?? "", source: row["source"]?.text ?? "", payload: payload,
                     publishedAtMilliseconds: row["published_ms"]?.integer ?? 0)
    }

    static func deadLetters(_ prefix: String) -> String {
        """
        SELECT d.id AS delivery, d.addon, d.pattern, d.attempts, d.last_error, e.id, e.name, e.source, e.payload, e.published_ms
        FROM \(prefix)deliveries d JOIN \(prefix)events e ON e.id = d.event_id
        WHERE d.state = 'dead' ORDER BY d.id DESC LIMIT $1
        """
    }

    /// Runs a claim's statements (inside a transaction).
    static func claim(_ keys: [SubscriptionKey], worker: String, now: Int64, leaseUntil: Int64, limit: Int, prefix: String, lock: String,
                      query: (String, [SQLValue]) throws -> [SQLRow]) throws -> [ClaimedDelivery] {
        guard !keys.isEmpty else { return [] }
        let ids = try query(candidates(prefix, pairs: keys.count, lock: lock), candidateParameters(keys, now: now, limit: limit)).compactMap { $0["id"]?.integer }
        return try ids.compactMap { id in
            guard let row = try query(lease(prefix), [.integer(id), .integer(leaseUntil), .text(worker)]).first,
                  let eventID = row["event_id"]?.text, let eventRow = try query(event(prefix), [.text(eventID)]).first
            else { return nil }
            return ClaimedDelivery(
                id: id, key: SubscriptionKey(addon: row["addon"]?.text ?? "", pattern: row["pattern"]?.text ?? ""),
                attempts: Int(row["attempts"]?.integer ?? 1), maxAttempts: Int(row["max_attempts"]?.integer ?? 1), event: decodeEvent(eventRow)
            )
        }
    }

    /// Writes `event` and its deliveries (inside a transaction).
    static func publish(_ event: Event, prefix: String, execute: (String, [SQLValue]) throws -> Int, query: (String, [SQLValue]) throws -> [SQLRow]) throws -> Int {
        let subscriptions = try query("SELECT addon, pattern, priority, max_attempts FROM \(prefix)subscriptions", []).filter {
            HostEventBus.matches($0["pattern"]?.text ?? "", event.name)
        }
        guard !subscriptions.isEmpty else { return 0 }
        _ = try execute("INSERT INTO \(prefix)events (id, name, source, payload, published_ms) VALUES ($1, $2, $3, $4, $5)",
                        [.text(event.id), .text(event.name), .text(event.source), .text(event.payload.outboxText), .integer(event.publishedAtMilliseconds)])
        for subscription in subscriptions {
            _ = try execute("""
                INSERT INTO \(prefix)deliveries (event_id, addon, pattern, priority, attempts, max_attempts, state, next_ms)
                VALUES ($1, $2, $3, $4, 0, $5, 'pending', $6)
                """, [.text(event.id), subscription["addon"] ?? .null, subscription["pattern"] ?? .null, subscription["priority"] ?? .integer(0),
                      subscription["max_attempts"] ?? .integer(5), .integer(event.publishedAtMilliseconds)])
        }
        return subscriptions.count
    }

    static func delivered(_ prefix: String, id: Int64, execute: (String, [SQLValue]) throws -> Int, query: (String, [SQLValue]) throws -> [SQLRow]) throws {
        let eventID = try query("DELETE FROM \(prefix)deliveries WHERE id = $1 RETURNING event_id", [.integer(id)]).first?["event_id"]?.text
        if let eventID {
            _ = try execute("DELETE FROM \(prefix)events WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM \(prefix)deliveries WHERE event_id = $1)", [.text(eventID)])
        }
    }

    static func failed(_ prefix: String) -> String {
        """
        UPDATE \(prefix)deliveries SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
            last_error = $2, next_ms = $3, lease_until_ms = NULL WHERE id = $1
        """
    }

    static func subscribe(_ prefix: String) -> String {
        """
        INSERT INTO \(prefix)subscriptions (addon, pattern, priority, max_attempts) VALUES ($1, $2, $3, $4)
        ON CONFLICT (addon, pattern) DO UPDATE SET priority = excluded.priority, max_attempts = excluded.max_attempts
        """
    }

    static func subscribeParameters(_ subscription: DurableSubscription) -> [SQLValue] {
        [.text(subscription.key.addon), .text(subscription.key.pattern), .integer(Int64(subscription.priority)), .integer(Int64(subscription.maxAttempts))]
    }

    static func forget(_ prefix: String) -> [String] {
        [
            "DELETE FROM \(prefix)deliveries WHERE addon = $1",
            "DELETE FROM \(prefix)subscriptions WHERE addon = $1",
            "DELETE FROM \(prefix)events WHERE NOT EXISTS (SELECT 1 FROM \(prefix)deliveries WHERE event_id = \(prefix)events.id)",
        ]
    }

    static func deadLetter(_ row: SQLRow) -> DeadLetter {
        let event = decodeEvent(row)
        return DeadLetter(
            delivery: row["delivery"]?.integer ?? 0, addon: row["addon"]?.text ?? "", pattern: row["pattern"]?.text ?? "",
            attempts: Int(row["attempts"]?.integer ?? 0), lastError: row["last_error"]?.text,
            event: EventListing(id: event.id, name: event.name, source: event.source, publishedAt: AdminAPI.RunListing.iso(event.publishedAtMilliseconds), payload: event.payload)
        )
    }
}

extension JSONValue {
    /// The value as stored in the outbox.
    var outboxText: String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// A value read back from the outbox.
    init?(outboxText text: String) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
        self = value
    }
}
