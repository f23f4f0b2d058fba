import FixtureIdentity
import PluginAPI

/// An addon written against the PluginAPI 1.2 router: its handlers read the request context, look
/// services up, decode JSON bodies and log through the request's logger. Its id and version come
/// from the installed manifest, so tests choose its permissions.
struct FixtureContextAddon: Addon {
    let id: String
    let version: String

    struct Order: Codable {
        struct Line: Codable {
            var sku: String
            var quantity: Int
        }
        var customer: String
        var lines: [Line]
    }

    func register(_ router: inout Router) {
        router.get("/request-id") { _, context in .text(context.requestID) }
        router.get("/request-id-async") { _, context in
            await Task.yield()
            return .text(context.requestID)
        }
        router.get("/deadline") { _, context in
            .text(context.timeRemaining > .zero ? "ahead" : "passed")
        }
        // The milliseconds left before the request's deadline, and a handler that takes `ms`
        // milliseconds (for per-route deadlines).
        router.get("/deadline-ms") { _, context in
            let (seconds, attoseconds) = context.timeRemaining.components
            return .text("\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)")
        }
        router.get("/slow") { request, _ in
            let milliseconds = Int(request.queryValue("ms") ?? "") ?? 1500
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return .text("late")
        }
        router.post("/orders") { request, _ in
            let order = try request.decode(Order.self)
            return try .json(order, status: 201)
        }
        router.post("/email") { _, context in
            let sender = try context.services.email
            let receipt = try await sender.send(EmailMessage(to: [EmailAddress("ada@example.com")], subject: "hi", text: "hello"))
            return .text(receipt.messageID)
        }
        router.post("/publish") { _, context in
            try await context.events.publish("fixture.published", payload: .null)
            return .text("published")
        }
        router.get("/log") { _, context in
            context.logger.info("line written during a request", metadata: ["step": 1])
            return .text("logged")
        }
        router.post("/small", options: RouteOptions(bodyLimit: 8)) { request, _ in .text(request.bodyText) }
        // Fails with a plain error (a 500 the host shapes), for error rates and thresholds.
        router.get("/fail") { _, _ in throw FixtureFailure() }
        // Logs its configuration's `apiKey` (a sensitive key in the tests' manifests): the host
        // must redact it in the addon's log.
        router.get("/log-config") { _, context in
            context.logger.warning("calling upstream with key \(context.configuration.string("apiKey") ?? "-")", metadata: ["key": .string(context.configuration.string("apiKey") ?? "-")])
            return .text("logged")
        }
        // Crashes on a non-numeric id, on purpose: the crash report must name the route and the
        // runtime's message.
        router.get("/crash/:id") { request, _ in
            let id = Int(request.parameters["id"]!)!
            return .text("\(id)")
        }
    }
}

extension FixtureContextAddon {
    /// The configuration's `health` (`degraded`, `unhealthy`, `silent`: never answers), else healthy.
    func health(_ context: AddonContext) async -> AddonHealth {
        switch context.configuration.string("health") {
        case "degraded": return .degraded("the fixture was told to be degraded")
        case "unhealthy": return .unhealthy("the fixture was told to be unhealthy")
        case "silent":
            try? await Task.sleep(for: .seconds(3600))
            return .healthy
        default: return .healthy
        }
    }
}

struct FixtureFailure: Error {}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    let identity = installedIdentity()
    return AddonABI.export(FixtureContextAddon(id: identity.id, version: identity.version))
}
