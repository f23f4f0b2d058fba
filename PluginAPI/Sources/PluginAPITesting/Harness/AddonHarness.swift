import Foundation
import PluginAPI

/// Runs an addon in a test as the host would: a real SQLite database migrated from the addon's
/// `migrations/sqlite`, the permissions of its `addon.json`, recording stand-ins for the provider
/// slots, and its routes called by method and path.
///
/// ```swift
/// @Test func addingAnItemListsIt() async throws {
///     let addon = try await AddonHarness.start(Notes())
///     #expect(try await addon.send(.post, "/items", body: "milk").status == 201)
///     #expect(try await addon.send(.get, "/items").bodyText == "milk")
///     #expect(addon.email.sent.count == 0)
/// }
/// ```
public final class AddonHarness: Sendable {
    /// The addon's id (from the addon, which `addonctl pack` checks against `addon.json`).
    public let addonID: String
    /// The addon's database, already migrated; query it to check what a route wrote.
    public let database: TestDatabase
    /// What the addon sent through the email slot.
    public let email: RecordingEmailSender
    /// What the addon sent through the SMS slot.
    public let sms: RecordingSMSSender
    /// What the addon published on the events bus.
    public let events: RecordingEventBus
    /// What the addon logged.
    public let log: RecordingLogHandler
    /// The addon's context, as its handlers get it.
    public let context: AddonContext
    private let addon: any Addon
    private let routes: [Router.Route]

    private init(addon: any Addon, database: TestDatabase, email: RecordingEmailSender, sms: RecordingSMSSender, events: RecordingEventBus, log: RecordingLogHandler, context: AddonContext, routes: [Router.Route]) {
        self.addon = addon
        self.addonID = addon.id
        self.database = database
        self.email = email
        self.sms = sms
        self.events = events
        self.log = log
        self.context = context
        self.routes = routes
    }

    /// Migrates a new test database, builds the addon's context, starts the addon and registers
    /// its routes.
    ///
    /// - Parameters:
    ///   - addon: the addon under test.
    ///   - configuration: the configuration the addon reads.
    ///   - permissions: the granted permissions; by default those of the addon's `addon.json`.
    ///   - services: services to offer by name (`"cache"`, `"payments"`, …) beside the recording
    ///     email and SMS senders and events bus; a name given here replaces the recording one.
    ///   - packageRoot: the addon's folder (with `addon.json` and `migrations/`); by default found
    ///     by walking up from the calling test file.
    ///   - filePath: leave it: it locates the package root.
    public static func start(
        _ addon: some Addon,
        configuration: [String: JSONValue] = [:],
        permissions: [String]? = nil,
        services: [String: any Sendable] = [:],
        packageRoot: String? = nil,
        echoLog: Bool = false,
        filePath: String = #filePath
    ) async throws -> AddonHarness {
        let root = packageRoot ?? Self.packageRoot(above: filePath)
        let database = try TestDatabase()
        if let root, FileManager.default.fileExists(atPath: root + "/migrations/sqlite") {
            try database.migrate(from: root + "/migrations/sqlite")
        }
        let granted = try permissions ?? root.map(Self.manifestPermissions) ?? []
        let email = RecordingEmailSender(), sms = RecordingSMSSender(), events = RecordingEventBus(source: addon.id)
        let log = RecordingLogHandler(echo: echoLog)
        var offered: [String: any Sendable] = ["email": email, "sms": sms, "events": events]
        offered.merge(services) { _, given in given }
        let settings = AddonConfiguration(configuration)
        let context = AddonContext(
            addonID: addon.id, database: database, logger: Logger(label: addon.id, handler: log), events: events,
            http: TestHTTPClient(addonID: addon.id), services: TestRegistry(addonID: addon.id), scratchDirectory: nil,
            configuration: { settings }, lookup: TestServices(permissions: Set(granted), services: offered)
        )
        try await addon.start(context)
        var router = Router(context: context)
        addon.register(&router)
        return AddonHarness(addon: addon, database: database, email: email, sms: sms, events: events, log: log, context: context, routes: router.all)
    }

    /// Calls the route that answers `method` on `path` (relative to the mount prefix, with an
    /// optional `?query`), as the host would: an ``HTTPError`` the handler throws becomes its
    /// status and the host's JSON error body; any other error is rethrown so the test shows it.
    public func send(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], headers: HTTPHeaders = [:], identity: Identity? = nil, requestID: String = "test-request") async throws -> Response {
        let (routePath, query) = Self.split(path)
        var parameters: [String: String] = [:]
        guard let route = routes.first(where: { $0.method == method && Self.match($0.path, routePath, into: &parameters) }) else {
            let allowed = routes.filter { var ignored: [String: String] = [:]; return Self.match($0.path, routePath, into: &ignored) }.map(\.method.rawValue)
            return allowed.isEmpty
                ? Self.errorResponse(HTTPError(status: 404, code: "route_not_found", message: "no route of \(addonID) answers \(path)"))
                : Self.errorResponse(HTTPError(status: 405, code: "method_not_allowed", message: "\(path) answers \(allowed.joined(separator: ", "))"))
        }
        let request = Request(method: method, path: routePath, query: query, headers: headers, body: body, parameters: parameters, requestID: requestID)
        let requestContext = RequestContext(requestID: requestID, identity: identity, deadline: .now + .seconds(30), addon: context)
        do {
            var response = try await route.handler(request, requestContext)
            response.headers["X-Request-ID"] = requestID
            return response
        } catch let error as HTTPError {
            return Self.errorResponse(error)
        }
    }

    /// Calls the route with a text body.
    public func send(_ method: HTTPMethod, _ path: String, body: String, headers: HTTPHeaders = [:], identity: Identity? = nil) async throws -> Response {
        try await send(method, path, body: Array(body.utf8), headers: headers, identity: identity)
    }

    /// Calls the route with `value` encoded as its JSON body.
    public func send(_ method: HTTPMethod, _ path: String, json value: some Encodable, identity: Identity? = nil) async throws -> Response {
        try await send(method, path, body: Array(try JSONEncoder().encode(value)), headers: ["Content-Type": "application/json"], identity: identity)
    }

    /// Stops the addon, as the host does before uninstalling it.
    public func stop() async {
        await addon.stop(context)
    }
}
