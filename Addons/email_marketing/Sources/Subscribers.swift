import PluginAPI

/// Double opt-in: subscribing stores a pending subscriber and mails a confirmation link; the link
/// confirms (only its hash is stored); every mail's unsubscribe link (or its one-click POST) unsubscribes, without login.
struct Subscribers {
    let context: AddonContext

    struct Answer: Encodable {
        var email: String
        var status: String
    }

    func subscribe(_ address: String) async throws -> Response {
        guard let email = Tokens.validEmail(address) else { throw HTTPError(status: 422, code: "invalid_email", message: "'\(address.prefix(100))' is not an email address") }
        let existing = try await context.database.query("SELECT id, status FROM subscribers WHERE email = $1", [.text(email)])
        if existing.first?["status"]?.text == "confirmed" { return try .json(Answer(email: email, status: "confirmed")) }
        let confirmToken = Tokens.make()
        let unsubscribeToken = Tokens.make()
        // A new confirmation replaces an older one (and resubscribes someone who left).
        if let id = existing.first?["id"]?.text {
            try await context.database.execute(
                "UPDATE subscribers SET status = 'pending', confirm_token_hash = $1, unsubscribe_token = $2, confirmed_at = NULL WHERE id = $3",
                [.text(Tokens.hash(confirmToken)), .text(unsubscribeToken), .text(id)]
            )
        } else {
            try await context.database.execute(
                "INSERT INTO subscribers (id, email, status, confirm_token_hash, unsubscribe_token, created_at) VALUES ($1, $2, 'pending', $3, $4, $5)",
                [.text(Tokens.make()), .text(email), .text(Tokens.hash(confirmToken)), .text(unsubscribeToken), .integer(Tokens.now())]
            )
        }
        let link = "\(baseURL)/confirm?token=\(confirmToken)"
        let message = EmailMessage(
            from: sender, to: [EmailAddress(email)], subject: context.configuration.string("confirmSubject") ?? "Please confirm your subscription",
            text: "Please confirm your subscription by opening this link:\n\n\(link)\n\nIf you did not ask for this, ignore this message.", tags: ["confirmation"]
        )
        // A confirmation that cannot be sent is the caller's error; the pending row waits for a retry.
        _ = try await context.service(.email).send(message)
        return try .json(Answer(email: email, status: "pending"), status: 202)
    }

    func confirm(token: String) async throws -> Response {
        guard !token.isEmpty else { throw HTTPError.badRequest("the link has no token") }
        let rows = try await context.database.query(
            "UPDATE subscribers SET status = 'confirmed', confirm_token_hash = NULL, confirmed_at = $1 WHERE confirm_token_hash = $2 AND status = 'pending' RETURNING email",
            [.integer(Tokens.now()), .text(Tokens.hash(token))]
        )
        guard let email = rows.first?["email"]?.text else {
            throw HTTPError(status: 404, code: "invalid_link", message: "this confirmation link is not valid (already used, or replaced by a newer one)")
        }
        return try .json(Answer(email: email, status: "confirmed"))
    }

    func unsubscribe(token: String) async throws -> Response {
        guard !token.isEmpty else { throw HTTPError.badRequest("the link has no token") }
        let rows = try await context.database.query(
            "UPDATE subscribers SET status = 'unsubscribed', confirm_token_hash = NULL WHERE unsubscribe_token = $1 RETURNING email",
            [.text(token)]
        )
        guard let email = rows.first?["email"]?.text else {
            throw HTTPError(status: 404, code: "invalid_link", message: "this unsubscribe link is not valid")
        }
        return try .json(Answer(email: email, status: "unsubscribed"))
    }

    var baseURL: String {
        var base = context.configuration.string("publicBaseURL") ?? "http://127.0.0.1:8080"
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/v1/marketing"
    }

    var sender: EmailAddress {
        EmailAddress(context.configuration.string("fromAddress") ?? "news@example.com", name: context.configuration.string("fromName"))
    }
}
