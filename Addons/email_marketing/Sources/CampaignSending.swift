import PluginAPI

/// Sending a campaign: render its template for every confirmed subscriber (with their unsubscribe
/// link), send each through the email slot and record each delivery's outcome. A send can be
/// repeated: recipients already delivered are skipped, failed ones retried.
///
/// A send first claims the campaign (`sending_since`), so a send asked through the API and the
/// scheduled job, or two requests, never mail the same campaign at once: the second finds it
/// claimed. A claim left by a send that died (its worker crashed) expires after ``claimLifetime``.
struct CampaignSending {
    let context: AddonContext

    /// Seconds after which a claim counts as left behind: longer than the job's deadline
    /// (`timeoutSeconds` 300) and any request's.
    static let claimLifetime: Int64 = 900

    /// Sends campaign `id` now, whether it was scheduled or not; `409 campaign_sending` while
    /// another send of it goes.
    func sendNow(_ id: String) async throws -> Response {
        let campaigns = Campaigns(context: context)
        _ = try await campaigns.row(id)
        let now = Tokens.now()
        let claimed = try await context.database.query(
            "UPDATE campaigns SET sending_since = $1 WHERE id = $2 AND (sending_since IS NULL OR sending_since < $3) RETURNING id",
            [.integer(now), .text(id), .integer(now - Self.claimLifetime)]
        )
        guard !claimed.isEmpty else {
            throw HTTPError(status: 409, code: "campaign_sending", message: "campaign \(id.prefix(40)) is being sent now; read its status with GET /campaigns/\(id.prefix(40))")
        }
        try await deliver(id)
        return try await campaigns.status(id)
    }

    /// Claims the scheduled campaign due longest ago that no send has claimed, or nil when none
    /// is due.
    func claimDue() async throws -> String? {
        let now = Tokens.now()
        let due = "send_at IS NOT NULL AND send_at <= $1 AND sent_at IS NULL AND (sending_since IS NULL OR sending_since < $2)"
        let rows = try await context.database.query(
            "UPDATE campaigns SET sending_since = $1 WHERE id = (SELECT id FROM campaigns WHERE \(due) ORDER BY send_at, id LIMIT 1) AND \(due) RETURNING id",
            [.integer(now), .integer(now - Self.claimLifetime)]
        )
        return rows.first?["id"]?.text
    }

    /// Sends claimed campaign `id` to every confirmed subscriber it has not reached, then marks it
    /// sent and releases the claim; a send that throws releases the claim too.
    func deliver(_ id: String) async throws {
        do {
            try await mailRecipients(id)
        } catch {
            _ = try? await context.database.execute("UPDATE campaigns SET sending_since = NULL WHERE id = $1", [.text(id)])
            throw error
        }
        try await context.database.execute("UPDATE campaigns SET sent_at = $1, sending_since = NULL WHERE id = $2", [.integer(Tokens.now()), .text(id)])
    }

    private func mailRecipients(_ id: String) async throws {
        let campaign = try await Campaigns(context: context).row(id)
        let subject = campaign["subject"]?.text ?? ""
        let template = campaign["template"]?.text ?? ""
        let email = try context.service(.email)
        let recipients = try await context.database.query(
            "SELECT s.id, s.email, s.unsubscribe_token FROM subscribers s WHERE s.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = $1 AND d.subscriber_id = s.id AND d.status = 'sent') ORDER BY s.email",
            [.text(id)]
        )
        let base = Subscribers(context: context)
        for recipient in recipients {
            try Task.checkCancellation()
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
    }
}
