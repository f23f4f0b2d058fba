import BerthStorage
import Foundation
import PluginAPI
import Synchronization

/// The `internal` analytics provider: events and identifies go into the table `events` of the
/// host's own SQLite file `analytics.sqlite` in the home (whatever the addons' backend is), so a
/// development host needs no external service. Every worker writes to the same file.
public final class InternalAnalytics: CheckedAnalyticsTracker {
    private let connection: Mutex<SQLiteConnection>

    /// Opens (and creates) the table in the database file at `path`.
    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let connection = try SQLiteConnection(path: path)
        try connection.executeScript("""
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, user_id TEXT, anonymous_id TEXT,
                properties TEXT NOT NULL, recorded_at REAL NOT NULL);
            """)
        self.connection = Mutex(connection)
    }

    public func track(_ event: AnalyticsEvent) async { try? await deliver(event) }

    public func identify(userID: String, traits: [String: JSONValue]) async { try? await deliverIdentify(userID: userID, traits: traits) }

    public func deliver(_ event: AnalyticsEvent) async throws {
        guard !event.name.isEmpty else { throw ProviderError.invalidArgument("an analytics event needs a name").httpError }
        try insert(kind: "track", name: event.name, user: event.userID, anonymous: event.anonymousID, properties: event.properties)
    }

    public func deliverIdentify(userID: String, traits: [String: JSONValue]) async throws {
        try insert(kind: "identify", name: "identify", user: userID, anonymous: nil, properties: traits)
    }

    private func insert(kind: String, name: String, user: String?, anonymous: String?, properties: [String: JSONValue]) throws {
        let json = String(decoding: try JSONEncoder().encode(properties), as: UTF8.self)
        _ = try connection.withLock { connection in
            try connection.execute(
                "INSERT INTO events (kind, name, user_id, anonymous_id, properties, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
                [.text(kind), .text(name), user.map(SQLValue.text) ?? .null, anonymous.map(SQLValue.text) ?? .null, .text(json), .real(Date().timeIntervalSince1970)]
            )
        }
    }

    /// The recorded events (newest first, at most `limit`): kind, name, user.
    public func recent(limit: Int = 100) throws -> [SQLRow] {
        try connection.withLock { try $0.query("SELECT kind, name, user_id, properties FROM events ORDER BY id DESC LIMIT $1", [.integer(Int64(limit))]) }
    }

    /// Whether the database answers.
    func problem() -> String? {
        do {
            _ = try connection.withLock { try $0.query("SELECT 1") }
            return nil
        } catch {
            return "\(error)"
        }
    }
}
