import PluginAPI

/// Email marketing on the email slot: subscribers confirm by a link (double opt-in), campaigns are
/// a subject and a text template sent to every confirmed subscriber, every message carries an
/// unsubscribe link that works without login, and each recipient's delivery is recorded.
///
/// Subscribing and the links need no login; campaigns need a caller with the `marketing` role
/// (the manifest's route policies). A campaign created with `sendAt` is sent by the scheduled job
/// `send_scheduled_campaigns` once that time has come. When `stripe_billing` publishes
/// `subscription.created` with the buyer's email, a welcome mail (`welcomeSubject`) goes to that
/// address.
struct EmailMarketing: Addon {
    var id: String { "email_marketing" }
    var version: String { "1.1.0" }

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
            try await Subscribers(context: context.addon).subscribe(try request.decode(SubscribeRequest.self).email)
        }
        router.get("/confirm") { request, context in
            try await Subscribers(context: context.addon).confirm(token: request.queryValue("token") ?? "")
        }
        router.get("/unsubscribe") { request, context in
            try await Subscribers(context: context.addon).unsubscribe(token: request.queryValue("token") ?? "")
        }
        // RFC 8058 one-click unsubscribe: mail clients POST to the List-Unsubscribe URL.
        router.post("/unsubscribe") { request, context in
            try await Subscribers(context: context.addon).unsubscribe(token: request.queryValue("token") ?? "")
        }
        router.post("/campaigns") { request, context in
            try await Campaigns(context: context.addon).create(try request.decode(CampaignRequest.self))
        }
        router.get("/campaigns/:id") { request, context in
            try await Campaigns(context: context.addon).status(request.parameters["id"] ?? "")
        }
        router.post("/campaigns/:id/send") { request, context in
            try await CampaignSending(context: context.addon).sendNow(request.parameters["id"] ?? "")
        }
    }

    func runJob(_ name: String, context: JobContext) async throws {
        guard name == "send_scheduled_campaigns" else { throw HTTPError.jobNotHandled(name, addon: id) }
        _ = try await ScheduledCampaigns(context: context).sendDue()
    }
}

/// The body of `POST /subscribers`.
struct SubscribeRequest: Decodable {
    var email: String
}

/// The body of `POST /campaigns`: `template` may use `{{email}}` and `{{unsubscribe_url}}`;
/// `sendAt` (seconds since 1970) schedules the send.
struct CampaignRequest: Decodable {
    var subject: String
    var template: String
    var sendAt: Int64?
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(EmailMarketing()) }
