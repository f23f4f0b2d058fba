import BerthStorage
import Dispatch
import PluginAPI

/// The outbox of a host on SQLite: `.berth/events.sqlite` in the home, which every worker opens;
/// a claim is one `BEGIN IMMEDIATE` transaction, so two workers never lease the same delivery.
final class SQLiteEventStore: EventStore {
    private static let schema = """
        CREATE TABLE IF NOT EXISTS subscriptions (addon TEXT NOT NULL, pattern TEXT NOT NULL, priority INTEGER NOT NULL, max_attempts INTEGER NOT NULL, PRIMARY KEY (addon, pattern));
        CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL, published_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, addon TEXT NOT NULL, pattern TEXT NOT NULL,
            priority INTEGER NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, state TEXT NOT NULL,
            next_ms INTEGER NOT NULL, lease_until_ms INTEGER, last_error TEXT, worker TEXT,
            UNIQUE (event_id, addon, pattern)
        );
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_ms);
        """

    private let connection: SQLiteConnection
    /// Statements run here, off the cooperative pool: a claim may wait for another worker's lock.
    private let queue = DispatchQueue(label: "berth.events.sqlite")

    init(path: String) throws {
        connection = try SQLiteConnection(path: path)
        try connection.transaction(Self.schema)
    }

    private func run<T: Sendable>(transaction: Bool = false, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [connection] in
                continuation.resume(with: Result {
                    guard transaction else { return try body(connection) }
                    return try connection.immediateTransaction { try body(connection) }
                })
            }
        }
    }

    func subscribe(_ subscription: DurableSubscription) async throws {
        _ = try await run { try $0.execute(EventStoreSQL.subscribe(""), EventStoreSQL.subscribeParameters(subscription)) }
    }

    func publish(_ event: Event) async throws -> Int {
        try await run(transaction: true) { connection in
            try EventStoreSQL.publish(event, prefix: "", execute: { try connection.execute($0, $1) }, query: { try connection.query($0, $1) })
        }
    }

    func claim(for subscriptions: [SubscriptionKey], worker: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [ClaimedDelivery] {
        try await run(transaction: true) { connection in
            try EventStoreSQL.claim(subscriptions, worker: worker, now: now, leaseUntil: leaseUntil, limit: limit, prefix: "", lock: "", query: { try connection.query($0, $1) })
        }
    }

    func delivered(_ id: Int64) async throws {
        try await run(transaction: true) { connection in
            try EventStoreSQL.delivered("", id: id, execute: { try connection.execute($0, $1) }, query: { try connection.query($0, $1) })
        }
    }

    func failed(_ delivery: ClaimedDelivery, error: String, retryAt: Int64) async throws {
        _ = try await run { try $0.execute(EventStoreSQL.failed(""), [.integer(delivery.id), .text(error), .integer(retryAt)]) }
    }

    func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await run { try $0.query(EventStoreSQL.deadLetters(""), [.integer(Int64(limit))]).map(EventStoreSQL.deadLetter) }
    }

    func forget(addon: String) async throws {
        try await run(transaction: true) { connection in
            for statement in EventStoreSQL.forget("") {
                try connection.execute(statement, statement.contains("$1") ? [.text(addon)] : [])
            }
        }
    }

    func close() {
        queue.sync { connection.close() }
    }
}
