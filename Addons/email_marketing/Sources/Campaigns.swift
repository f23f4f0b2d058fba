import Foundation
import PluginAPI

/// Campaigns: a subject and a text template; sending renders it for every confirmed subscriber
/// (with their unsubscribe link), sends each through the email slot and records each delivery's
/// outcome. A send can be repeated: recipients already delivered are skipped, failed ones retried.
struct Campaigns {
    let context: RequestContext

    struct Created: Encodable {
        var id: String
        var subject: String
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
        let id = String(Tokens.make().prefix(16))
        try await context.database.execute(
            "INSERT INTO campaigns (id, subject, template, created_at) VALUES ($1, $2, $3, $4)",
            [.text(id), .text(subject), .text(request.template), .integer(Tokens.now())]
        )
        return try .json(Created(id: id, subject: subject), status: 201)
    }

    func send(_ id: String) async throws -> Response {
        let campaign = try await row(id)
        let subject = campaign["subject"]?.text ?? ""
        let template = campaign["template"]?.text ?? ""
        let email = try context.service(.email)
        let recipients = try await context.database.query(
            "SELECT s.id, s.email, s.unsubscribe_token FROM subscribers s WHERE s.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = $1 AND d.subscriber_id = s.id AND d.status = 'sent') ORDER BY s.email",
            [.text(id)]
        )
        let base = Subscribers(context: context)
        for recipient in recipients {
            guard let subscriberID = recipient["id"]?.text, let address = recipient["email"]?.text, let token = recipient["unsubscribe_token"]?.text else { continue }
            let unsubscribeURL = "\(base.baseURL)/unsubscribe?token=\(token)"
            let text = template.replacingAll("{{email}}", with: address).replacingAll("{{unsubscribe_url}}", with: unsubscribeURL)
                + (template.contains("{{unsubscribe_url}}") ? "" : "\n\n--\nUnsubscribe: \(unsubscribeURL)\n")
            var status = "sent", provider: String?, messageID: String?, failure: String?
            do {
                let receipt = try await email.send(EmailMessage(from: base.sender, to: [EmailAddress(address)], subject: subject, text: text, tags: ["campaign:\(id)"]))
                provider = receipt.provider
                messageID = receipt.messageID
            } catch {
                status = "failed"
                failure = (error as? HTTPError).map { "\($0.code): \($0.message)" } ?? "\(error)"
            }
            try await context.database.execute(
                "INSERT INTO deliveries (campaign_id, subscriber_id, status, provider, message_id, error, attempted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, subscriber_id) DO UPDATE SET status = excluded.status, provider = excluded.provider, message_id = excluded.message_id, error = excluded.error, attempted_at = excluded.attempted_at",
                [.text(id), .text(subscriberID), .text(status), provider.map(SQLValue.text) ?? .null, messageID.map(SQLValue.text) ?? .null, failure.map(SQLValue.text) ?? .null, .integer(Tokens.now())]
            )
        }
        try await context.database.execute("UPDATE campaigns SET sent_at = $1 WHERE id = $2", [.integer(Tokens.now()), .text(id)])
        return try await status(id)
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
            id: id, subject: campaign["subject"]?.text ?? "", sentAt: campaign["sent_at"]?.integer,
            sent: deliveries.filter { $0.status == "sent" }.count, failed: deliveries.filter { $0.status == "failed" }.count, deliveries: deliveries
        ))
    }

    func row(_ id: String) async throws -> SQLRow {
        guard let row = try await context.database.query("SELECT subject, template, sent_at FROM campaigns WHERE id = $1", [.text(id)]).first else {
            throw HTTPError.notFound("no campaign '\(id.prefix(40))'")
        }
        return row
    }
}

extension String {
    /// The text with every `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
