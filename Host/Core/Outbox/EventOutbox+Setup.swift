import Foundation

extension EventOutbox {
    /// Where durable events wait: `berth_events` in PostgreSQL when the addons' data lives there,
    /// `.berth/events.sqlite` in the home otherwise.
    static func makeStore(settings: HostSettings, home: BerthHome) async throws -> any EventStore {
        if settings.databaseKind == .postgres, let url = settings.databaseURL {
            do {
                return try await PostgresEventStore(url: url)
            } catch {
                throw BerthError(status: 500, code: "database_unavailable", message: "cannot prepare the event outbox in BERTH_DATABASE_URL: \(error)", cause: error)
            }
        }
        return try SQLiteEventStore(path: home.stateDirectory + "/events.sqlite")
    }
}
