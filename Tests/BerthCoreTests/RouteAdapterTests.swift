@testable import BerthCore
import PluginAPI
import Testing

/// The adapter hands each request a context carrying its id and a deadline, and turns thrown errors
/// into the host's JSON answers.
struct RouteAdapterTests {
    struct NoDatabase: AddonDatabase {
        var dialect: String { "none" }
        func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int { 0 }
        func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] { [] }
    }

    struct NoEvents: EventBus {
        func publish(_ name: String, payload: JSONValue) async {}
        func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription { Subscription {} }
    }

    func adapter(permissions: [String] = []) -> RouteAdapter {
        let registry = HostServiceRegistry()
        let context = AddonContext(
            addonID: "notes", database: NoDatabase(), logger: Logger(label: "notes", handler: HostLogHandler(minimumLevel: .error)),
            events: NoEvents(), http: RestrictedNoHTTP(), services: registry.view(for: "notes", permissions: permissions),
            scratchDirectory: nil, configuration: { AddonConfiguration() },
            lookup: registry.lookup(for: "notes", permissions: permissions, events: NoEvents())
        )
        return RouteAdapter(context: context, gate: RequestGate(), logger: Logger(label: "berth", handler: HostLogHandler(minimumLevel: .error)), timeout: .seconds(2))
    }

    struct RestrictedNoHTTP: HTTPClient {
        func send(_ request: OutgoingRequest) async throws -> Response { Response(status: 599) }
    }

    @Test func aSynchronousHandlerSeesTheRequestIDAndADeadlineWithinTheTimeout() {
        let handler = adapter().immediate({ request, context in
            #expect(context.timeRemaining > .zero && context.timeRemaining <= .seconds(2))
            #expect(context.identity == nil)
            return .text(context.requestID)
        }, pattern: "/api/v1/notes/id")
        let response = handler(Request(method: .get, path: "/api/v1/notes/id", requestID: "abc"))
        #expect(String(decoding: response.body, as: UTF8.self) == "abc")
    }

    @Test func aRoutesOwnTimeoutShortensTheDeadlineButNeverLengthensIt() {
        #expect(adapter().limited(toSeconds: 0.5).timeout == .milliseconds(500))
        #expect(adapter().limited(toSeconds: 120).timeout == .seconds(2))
        #expect(adapter().limited(toSeconds: nil).timeout == .seconds(2))
        let handler = adapter().limited(toSeconds: 0.5).immediate({ _, context in
            .text(context.timeRemaining <= .milliseconds(500) && context.timeRemaining > .zero ? "short" : "long")
        }, pattern: "/x")
        #expect(String(decoding: handler(Request(method: .get, path: "/x", requestID: "r")).body, as: UTF8.self) == "short")
    }

    @Test func aMissingProviderPermissionAnswersWithTheErrorNamingIt() async {
        let handler = adapter().handler({ _, context in
            _ = try context.services.email
            return .text("sent")
        }, pattern: "/x")
        let response = await handler(Request(method: .post, path: "/x", requestID: "r"), nil)
        #expect(response.status == 500)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#"add \"email\" to the manifest's permissions"#))
    }

    @Test func aGrantedSlotWithoutAProviderAnswers503NamingTheSlot() async {
        let handler = adapter(permissions: ["email"]).handler({ _, context in
            _ = try context.service(.email)
            return .text("sent")
        }, pattern: "/x")
        let response = await handler(Request(method: .post, path: "/x", requestID: "r"), nil)
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains("EMAIL_PROVIDER"))
    }

    @Test func anUnshapedErrorIsA500NamingTheAddon() {
        struct Oops: Error {}
        let handler = adapter().immediate({ _, _ in throw Oops() }, pattern: "/x")
        let response = handler(Request(method: .get, path: "/x", requestID: "r"))
        #expect(response.status == 500)
        #expect(String(decoding: response.body, as: UTF8.self).contains("addon notes failed"))
    }

    @Test func theHandlerTimeoutComesFromTheEnvironment() {
        #expect(HandlerDeadline.timeout(in: ["BERTH_HANDLER_TIMEOUT": "2.5"]) == .milliseconds(2500))
        #expect(HandlerDeadline.timeout(in: ["BERTH_HANDLER_TIMEOUT": "-1"]) == .seconds(30))
        #expect(HandlerDeadline.timeout(in: [:]) == .seconds(30))
    }
}
