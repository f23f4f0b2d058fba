import BerthHTTP
import PluginAPI

extension AdminAPI {
    /// `GET /api/v1/events/dead?limit=`: durable deliveries that ran out of attempts, newest first.
    func registerEvents(in table: inout RoutingTable) throws {
        let events = manager.events
        try admin(.get, "/api/v1/events/dead", in: &table) { request, _ in
            guard let outbox = events.attachedOutbox else { return JSONResponse.make(["dead": [DeadLetter]()]) }
            var limit = 100
            if let text = request.queryValue("limit") {
                guard let value = Int(text), (1 ... 1000).contains(value) else {
                    throw BerthError.badRequest("query parameter limit=\(text) must be a whole number from 1 to 1000")
                }
                limit = value
            }
            return JSONResponse.make(["dead": try await outbox.store.deadLetters(limit: limit)])
        }
    }
}
