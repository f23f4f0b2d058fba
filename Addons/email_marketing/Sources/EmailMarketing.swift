import PluginAPI

/// Email marketing on the email slot: subscribers confirm by a link (double opt-in), campaigns are
/// a subject and a text template sent to every confirmed subscriber, every message carries an
/// unsubscribe link that works without login, and each recipient's delivery is recorded.
///
/// Subscribing and the links need no login; campaigns need a caller with the `marketing` role
/// (the manifest's route policies). When `stripe_billing` publishes `subscription.created` with
/// the buyer's email, a welcome mail (`welcomeSubject`) goes to that address.
struct EmailMarketing: Addon {
    var id: String { "email_marketing" }
    var version: String { "1.0.0" }

    func start(_ context: AddonContext) async throws {
        await context.events.subscribe("subscription.created") { event in
            guard case .object(let payload) = event.payload, case .string(let address)? = payload["email"], let email = Tokens.validEmail(address) else { return }
            let configuration = context.configuration
            let message = EmailMessage(
                from: EmailAddress(configuration.string("fromAddress") ?? "news@example.com", name: configuration.string("fromName")),
                to: [EmailAddress(email)], subject: configuration.string("welcomeSubject") ?? "Welcome aboard",
                text: "Thank you for subscribing. Your plan is active.", tags: ["welcome"]
            )
            do {
                _ = try await context.service(.email).send(message)
            } catch {
                context.logger.error("the welcome mail to \(email) was not sent: \(error)")
            }
        }
    }

    func register(_ router: inout Router) {
        router.post("/subscribers") { request, context in
            try await Subscribers(context: context).subscribe(try request.decode(SubscribeRequest.self).email)
        }
        router.get("/confirm") { request, context in
            try await Subscribers(context: context).confirm(token: request.queryValue("token") ?? "")
        }
        router.get("/unsubscribe") { request, context in
            try await Subscribers(context: context).unsubscribe(token: request.queryValue("token") ?? "")
        }
        // RFC 8058 one-click unsubscribe: mail clients POST to the List-Unsubscribe URL.
        router.post("/unsubscribe") { request, context in
            try await Subscribers(context: context).unsubscribe(token: request.queryValue("token") ?? "")
        }
        router.post("/campaigns") { request, context in
            try await Campaigns(context: context).create(try request.decode(CampaignRequest.self))
        }
        router.get("/campaigns/:id") { request, context in
            try await Campaigns(context: context).status(request.parameters["id"] ?? "")
        }
        router.post("/campaigns/:id/send") { request, context in
            try await Campaigns(context: context).send(request.parameters["id"] ?? "")
        }
    }
}

/// The body of `POST /subscribers`.
struct SubscribeRequest: Decodable {
    var email: String
}

/// The body of `POST /campaigns`: `template` may use `{{email}}` and `{{unsubscribe_url}}`.
struct CampaignRequest: Decodable {
    var subject: String
    var template: String
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(EmailMarketing()) }
