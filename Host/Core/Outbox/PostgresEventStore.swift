import BerthStorage
import PluginAPI

/// The outbox of a host (or a cluster) on PostgreSQL: schema `berth_events`, owned by the admin
/// URL's user and granted to no one. A claim takes its rows `FOR UPDATE SKIP LOCKED`, so workers
/// and nodes claiming at once lease different deliveries and never wait for one another.
final class PostgresEventStore: EventStore {
    private static let prefix = "berth_events."
    private static let schema = """
        LOCK TABLE public.berth_storage_secret IN SHARE ROW EXCLUSIVE MODE;
        CREATE SCHEMA IF NOT EXISTS berth_events;
        REVOKE ALL ON SCHEMA berth_events FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS berth_events.subscriptions (addon text NOT NULL, pattern text NOT NULL, priority bigint NOT NULL, max_attempts bigint NOT NULL, PRIMARY KEY (addon, pattern));
        CREATE TABLE IF NOT EXISTS berth_events.events (id text PRIMARY KEY, name text NOT NULL, source text NOT NULL, payload text NOT NULL, published_ms bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS berth_events.deliveries (
            id bigserial PRIMARY KEY, event_id text NOT NULL, addon text NOT NULL, pattern text NOT NULL,
            priority bigint NOT NULL, attempts bigint NOT NULL, max_attempts bigint NOT NULL, state text NOT NULL,
            next_ms bigint NOT NULL, lease_until_ms bigint, last_error text, worker text,
            UNIQUE (event_id, addon, pattern)
        );
        CREATE INDEX IF NOT EXISTS deliveries_due ON berth_events.deliveries (state, next_ms);
        """

    private let pool: PostgresPool

    init(url: String) async throws {
        pool = PostgresPool(size: 2) { try PostgresConnection(url: url) }
        try await pool.withConnection { try $0.transaction(Self.schema) }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.transaction(body)
    }

    func subscribe(_ subscription: DurableSubscription) async throws {
        _ = try await pool.withConnection { try $0.execute(EventStoreSQL.subscribe(Self.prefix), EventStoreSQL.subscribeParameters(subscription)) }
    }

    func publish(_ event: Event) async throws -> Int {
        try await transaction { connection in
            try EventStoreSQL.publish(event, prefix: Self.prefix, execute: { try connection.execute($0, $1) }, query: { try connection.query($0, $1) })
        }
    }

    func claim(for subscriptions: [SubscriptionKey], worker: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [ClaimedDelivery] {
        try await transaction { connection in
            try EventStoreSQL.claim(subscriptions, worker: worker, now: now, leaseUntil: leaseUntil, limit: limit, prefix: Self.prefix,
                                    lock: " FOR UPDATE OF d SKIP LOCKED", query: { try connection.query($0, $1) })
        }
    }

    func delivered(_ id: Int64) async throws {
        try await transaction { connection in
            try EventStoreSQL.delivered(Self.prefix, id: id, execute: { try connection.execute($0, $1) }, query: { try connection.query($0, $1) })
        }
    }

    func failed(_ delivery: ClaimedDelivery, error: String, retryAt: Int64) async throws {
        _ = try await pool.withConnection { try $0.execute(EventStoreSQL.failed(Self.prefix), [.integer(delivery.id), .text(error), .integer(retryAt)]) }
    }

    func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await pool.withConnection { try $0.query(EventStoreSQL.deadLetters(Self.prefix), [.integer(Int64(limit))]).map(EventStoreSQL.deadLetter) }
    }

    func forget(addon: String) async throws {
        try await transaction { connection in
            for statement in EventStoreSQL.forget(Self.prefix) {
                try connection.execute(statement, statement.contains("$1") ? [.text(addon)] : [])
            }
        }
    }

    func close() {
        pool.close()
    }
}
