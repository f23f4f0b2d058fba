import Foundation
import PluginAPI

/// Campaigns: a subject and a text template, sent now (`POST /campaigns/{id}/send`) or at the
/// `sendAt` they were created with (by the `send_scheduled_campaigns` job); see
/// ``CampaignSending`` for the send itself.
struct Campaigns {
    let context: AddonContext

    /// The furthest ahead a campaign may be scheduled.
    static let longestLead: Int64 = 366 * 86_400

    struct Created: Encodable {
        var id: String
        var subject: String
        var status: String
        var sendAt: Int64?
    }

    struct Delivery: Encodable {
        var email: String
        var status: String
        var provider: String?
        var messageID: String?
        var error: String?
    }

    struct Status: Encodable {
        var id: String
        var subject: String
        /// `draft` (never sent, not scheduled), `scheduled` (waits for its `sendAt`), `sending`
        /// (a send is going) or `sent`.
        var status: String
        var sendAt: Int64?
        var sentAt: Int64?
        var sent: Int
        var failed: Int
        var deliveries: [Delivery]
    }

    func create(_ request: CampaignRequest) async throws -> Response {
        let subject = request.subject.trimmedSpaces
        guard !subject.isEmpty, subject.count <= 200 else { throw HTTPError(status: 422, code: "invalid_campaign", message: "the subject must have 1 to 200 characters") }
        guard !request.template.isEmpty, request.template.utf8.count <= 100_000 else {
            throw HTTPError(status: 422, code: "invalid_campaign", message: "the template must have 1 to 100000 bytes")
        }
        let now = Tokens.now()
        if let sendAt = request.sendAt {
            // A time already past is due at once; one more than a year ahead is a mistake (milliseconds?).
            guard sendAt > 0, sendAt <= now + Self.longestLead else {
                throw HTTPError(status: 422, code: "invalid_send_at", message: "sendAt must be a time in seconds since 1970, at most 366 days ahead (it is \(sendAt); now is \(now))")
            }
        }
        let id = String(Tokens.make().prefix(16))
        try await context.database.execute(
            "INSERT INTO campaigns (id, subject, template, created_at, send_at) VALUES ($1, $2, $3, $4, $5)",
            [.text(id), .text(subject), .text(request.template), .integer(now), request.sendAt.map(SQLValue.integer) ?? .null]
        )
        return try .json(Created(id: id, subject: subject, status: request.sendAt == nil ? "draft" : "scheduled", sendAt: request.sendAt), status: 201)
    }

    func status(_ id: String) async throws -> Response {
        let campaign = try await row(id)
        let rows = try await context.database.query(
            "SELECT s.email, d.status, d.provider, d.message_id, d.error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.campaign_id = $1 ORDER BY s.email",
            [.text(id)]
        )
        let deliveries = rows.map { row in
            Delivery(email: row["email"]?.text ?? "", status: row["status"]?.text ?? "", provider: row["provider"]?.text, messageID: row["message_id"]?.text, error: row["error"]?.text)
        }
        return try .json(Status(
            id: id, subject: campaign["subject"]?.text ?? "", status: Self.state(of: campaign),
            sendAt: campaign["send_at"]?.integer, sentAt: campaign["sent_at"]?.integer,
            sent: deliveries.filter { $0.status == "sent" }.count, failed: deliveries.filter { $0.status == "failed" }.count, deliveries: deliveries
        ))
    }

    func row(_ id: String) async throws -> SQLRow {
        guard let row = try await context.database.query("SELECT subject, template, sent_at, send_at, sending_since FROM campaigns WHERE id = $1", [.text(id)]).first else {
            throw HTTPError.notFound("no campaign '\(id.prefix(40))'")
        }
        return row
    }

    /// The campaign's `status` from its row.
    static func state(of row: SQLRow) -> String {
        if row["sending_since"]?.integer != nil { return "sending" }
        if row["sent_at"]?.integer != nil { return "sent" }
        return row["send_at"]?.integer == nil ? "draft" : "scheduled"
    }
}

extension String {
    /// The text with every `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
