import Foundation
import PluginAPI

/// One webhook delivery: verify, record and apply in one transaction, then publish.
struct WebhookIntake {
    let context: RequestContext

    struct Answer: Encodable {
        var received: Bool
        var duplicate: Bool
        var applied: Bool
    }

    /// What a subscription event changed, published after the commit.
    struct Change {
        var eventName: String
        var payload: JSONValue
    }

    static let published = [
        "customer.subscription.created": "subscription.created",
        "customer.subscription.updated": "subscription.updated",
        "customer.subscription.deleted": "subscription.deleted",
    ]

    func receive(body: [UInt8], headers: HTTPHeaders) async throws -> Response {
        // The provider checks the signature over the raw bytes before any JSON is parsed.
        let event = try context.service(.payments).verifyWebhook(body: body, headers: headers)
        // Only a verified body is read again, for the event's creation time (the ordering key).
        let created = (try? JSONDecoder().decode(JSONValue.self, from: Data(body)))?["created"]?.integerValue ?? Int64(Date().timeIntervalSince1970)
        let now = Int64(Date().timeIntervalSince1970)
        let outcome: (duplicate: Bool, change: Change?) = try await context.database.transaction { database in
            let fresh = try await database.execute(
                "INSERT INTO processed_events (event_id, type, processed_at) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
                [.text(event.id), .text(event.type), .integer(now)]
            )
            guard fresh == 1 else { return (true, nil) }
            guard let name = Self.published[event.type] else { return (false, nil) }
            return (false, try await Self.mirror(event.data, eventName: name, eventID: event.id, created: created, now: now, in: database))
        }
        if let change = outcome.change {
            try await context.events.publish(change.eventName, payload: change.payload)
        }
        return try .json(Answer(received: true, duplicate: outcome.duplicate, applied: outcome.change != nil))
    }

    /// Upserts the subscription unless the stored row comes from a later event; returns the
    /// change to publish, or `nil` when the event was older than the mirror.
    static func mirror(_ object: JSONValue, eventName: String, eventID: String, created: Int64, now: Int64, in database: any AddonDatabase) async throws -> Change? {
        guard let id = object["id"]?.stringValue, !id.isEmpty else {
            throw HTTPError(status: 422, code: "invalid_event", message: "the subscription event carries no subscription id")
        }
        let customer = object["customer"]?.stringValue ?? ""
        let status = eventName == "subscription.deleted" ? "canceled" : (object["status"]?.stringValue ?? "incomplete")
        let firstItem: JSONValue? = {
            if case .array(let items)? = object["items"]?["data"] { return items.first }
            return nil
        }()
        let price = firstItem?["price"]?["id"]?.stringValue
        let periodEnd = object["current_period_end"]?.integerValue ?? firstItem?["current_period_end"]?.integerValue
        let cancelAtEnd: Int64 = object["cancel_at_period_end"] == .bool(true) ? 1 : 0
        let changed = try await database.execute(
            """
            INSERT INTO subscriptions (id, customer_id, status, price_id, current_period_end, cancel_at_period_end, event_created, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, status = excluded.status, price_id = excluded.price_id,
                current_period_end = excluded.current_period_end, cancel_at_period_end = excluded.cancel_at_period_end,
                event_created = excluded.event_created, updated_at = excluded.updated_at
            WHERE excluded.event_created >= subscriptions.event_created
            """,
            [.text(id), .text(customer), .text(status), price.map(SQLValue.text) ?? .null, periodEnd.map(SQLValue.integer) ?? .null, .integer(cancelAtEnd), .integer(created), .integer(now)]
        )
        guard changed == 1 else { return nil }
        var payload: [String: JSONValue] = ["id": .string(id), "customerId": .string(customer), "status": .string(status), "eventId": .string(eventID)]
        if let price { payload["priceId"] = .string(price) }
        if let periodEnd { payload["currentPeriodEnd"] = .number(Double(periodEnd)) }
        if let email = object["metadata"]?["email"]?.stringValue { payload["email"] = .string(email) }
        return Change(eventName: eventName, payload: .object(payload))
    }
}
