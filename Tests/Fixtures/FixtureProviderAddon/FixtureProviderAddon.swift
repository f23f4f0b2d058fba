import FixtureIdentity
import PluginAPI

/// An addon that uses the provider slots and supplies one: it sends email through
/// `context.service(.email)`, stores objects and hands out presigned URLs through the storage
/// slot, counts hits through the rate-limit slot (5 per 5 minutes), tracks analytics events, and offers the email provider `refusing`, which turns every message down with a 422 (a
/// refusal, not a transport error), so tests can see a failover move on. Its id and version come
/// from the installed manifest.
struct FixtureProviderAddon: Addon {
    let id: String
    let version: String

    /// An email provider that refuses every message.
    struct RefusingSender: EmailSender {
        func send(_ message: EmailMessage) async throws -> EmailReceipt {
            throw HTTPError(status: 422, code: "recipient_rejected", message: "the refusing provider rejects \(message.to.map(\.address).joined(separator: ", "))")
        }
    }

    struct Mail: Codable {
        var to: String
        var subject: String
        var text: String
    }

    func start(_ context: AddonContext) async throws {
        try context.offer(.email("refusing", RefusingSender(), health: { "refuses everything, on purpose" }))
    }

    func register(_ router: inout Router) {
        router.post("/send") { request, context in
            let mail = try request.decode(Mail.self)
            let receipt = try await context.service(.email).send(EmailMessage(to: [EmailAddress(mail.to)], subject: mail.subject, text: mail.text))
            return try .json(["id": receipt.messageID, "provider": receipt.provider])
        }
        router.post("/hit/:key") { request, context in
            let decision = try await context.service(.rateLimiter).hit(request.parameters["key"] ?? "", limit: 5, window: .seconds(300))
            return .text(decision.allowed ? "allowed" : "limited", status: decision.allowed ? 200 : 429)
        }
        router.post("/track/:name") { request, context in
            await (try context.service(.analytics)).track(AnalyticsEvent(name: request.parameters["name"] ?? "", userID: "u1"))
            return .text("tracked")
        }
        router.put("/objects/:key") { request, context in
            let stored = try await context.service(.storage).put(request.parameters["key"] ?? "", request.body, contentType: request.headers["Content-Type"])
            return try .json(["key": stored.key, "size": String(stored.size)])
        }
        router.get("/objects/:key") { request, context in
            guard let data = try await context.service(.storage).get(request.parameters["key"] ?? "") else { throw HTTPError.notFound("no such object") }
            return Response(status: 200, body: data)
        }
        router.get("/presign/:key") { request, context in
            let storage = try context.service(.storage)
            let key = request.parameters["key"] ?? ""
            let seconds = Int(request.queryValue("seconds") ?? "60") ?? 60
            let url = request.queryValue("method") == "put"
                ? try await storage.presignedPutURL(key, contentType: "text/plain", expiry: .seconds(seconds))
                : try await storage.presignedGetURL(key, expiry: .seconds(seconds))
            return try .json(["url": url.url, "method": url.method.rawValue])
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    let identity = installedIdentity()
    return AddonABI.export(FixtureProviderAddon(id: identity.id, version: identity.version))
}
