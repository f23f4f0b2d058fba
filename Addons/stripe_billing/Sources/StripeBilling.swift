import PluginAPI

/// Billing on the payments slot.
///
/// `POST /webhook` takes Stripe's deliveries: the payments provider verifies `Stripe-Signature`
/// before anything parses the body; the event id is recorded in the same transaction as the work,
/// so a repeated delivery changes nothing; subscription events are mirrored in `subscriptions`
/// only when they are newer than what is stored (so an out-of-order delivery cannot undo a later
/// one), and each applied change is published on the bus as `subscription.created`,
/// `subscription.updated` or `subscription.deleted` after the transaction commits.
/// `POST /checkout` starts a checkout; `GET /subscriptions/:id` reads the mirror.
struct StripeBilling: Addon {
    var id: String { "stripe_billing" }
    var version: String { "1.0.0" }

    func register(_ router: inout Router) {
        router.post("/webhook") { request, context in
            try await WebhookIntake(context: context).receive(body: request.body, headers: request.headers)
        }
        router.post("/checkout") { request, context in
            let body = try request.decode(CheckoutBody.self)
            guard !body.priceId.isEmpty, body.priceId.count <= 200 else { throw HTTPError(status: 422, code: "invalid_price", message: "priceId must have 1 to 200 characters") }
            let session = try await context.service(.payments).createCheckout(CheckoutRequest(
                items: [.price(id: body.priceId, quantity: 1)], customerID: body.customerId,
                successURL: context.configuration.string("successURL") ?? "", cancelURL: context.configuration.string("cancelURL") ?? "",
                subscription: true, metadata: body.email.map { ["email": $0] } ?? [:]
            ))
            return try .json(["id": session.id, "url": session.url], status: 201)
        }
        router.get("/subscriptions/:id") { request, context in
            guard let row = try await context.database.query(
                "SELECT id, customer_id, status, price_id, current_period_end, cancel_at_period_end FROM subscriptions WHERE id = $1", [.text(request.parameters["id"] ?? "")]
            ).first else { throw HTTPError.notFound("no subscription '\((request.parameters["id"] ?? "").prefix(60))' is mirrored") }
            return try .json(MirroredSubscription(row))
        }
    }
}

/// The body of `POST /checkout`.
struct CheckoutBody: Decodable {
    var priceId: String
    var customerId: String?
    var email: String?
}

/// A row of `subscriptions`, as `GET /subscriptions/:id` answers it.
struct MirroredSubscription: Encodable {
    var id: String
    var customerId: String
    var status: String
    var priceId: String?
    var currentPeriodEnd: Int64?
    var cancelAtPeriodEnd: Bool

    init(_ row: SQLRow) {
        id = row["id"]?.text ?? ""
        customerId = row["customer_id"]?.text ?? ""
        status = row["status"]?.text ?? ""
        priceId = row["price_id"]?.text
        currentPeriodEnd = row["current_period_end"]?.integer
        cancelAtPeriodEnd = (row["cancel_at_period_end"]?.integer ?? 0) != 0
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(StripeBilling()) }
