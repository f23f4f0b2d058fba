import PluginAPI
import Synchronization

// Stand-ins for the host's parts where no host runs: these tests exercise PluginAPI's own logic
// (routing, lookup, logging, decoding), not a service behind it.

/// Keeps every line it is given.
final class RecordingLogHandler: LogHandler, Sendable {
    let minimumLevel: LogLevel
    private let lines = Mutex<[LogEntry]>([])

    init(minimumLevel: LogLevel = .debug) {
        self.minimumLevel = minimumLevel
    }

    func log(_ entry: LogEntry) {
        lines.withLock { $0.append(entry) }
    }

    var entries: [LogEntry] { lines.withLock { $0 } }
}

/// A database that refuses every statement; routing tests never reach it.
struct UnusedDatabase: AddonDatabase {
    var dialect: String { "none" }
    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int { throw HTTPError.badRequest("unused") }
    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] { throw HTTPError.badRequest("unused") }
}

/// An events bus that drops events.
struct SilentEvents: EventBus {
    func publish(_ name: String, payload: JSONValue) async {}
    func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription { Subscription {} }
}

/// A lookup that grants `permissions` and holds `services` by name.
struct TableLookup: ServiceLookup {
    let permissions: Set<String>
    let services: [String: any Sendable]

    func service(named name: String, permission: String, for addonID: String) throws -> any Sendable {
        guard permissions.contains(permission) else { throw HTTPError.permissionDenied(addonID: addonID, permission: permission) }
        guard let service = services[name] else { throw HTTPError.serviceUnavailable("no \(name)") }
        return service
    }
}

extension AddonContext {
    /// A context for `id` logging to `handler`, with `lookup` behind ``service(_:)``.
    static func standIn(_ id: String = "tester", handler: any LogHandler = RecordingLogHandler(), lookup: any ServiceLookup = TableLookup(permissions: [], services: [:]), configuration: AddonConfiguration = AddonConfiguration()) -> AddonContext {
        AddonContext(
            addonID: id, database: UnusedDatabase(), logger: Logger(label: id, handler: handler), events: SilentEvents(),
            http: NoHTTP(), services: NoServices(), scratchDirectory: nil, configuration: { configuration }, lookup: lookup
        )
    }
}

struct NoHTTP: HTTPClient {
    func send(_ request: OutgoingRequest) async throws -> Response { throw HTTPError.badRequest("no network") }
}

struct NoServices: ServiceRegistry {
    func provide(_ name: String, _ handler: @escaping @Sendable (JSONValue) async throws -> JSONValue) async {}
    func call(_ provider: String, _ name: String, _ argument: JSONValue) async throws -> JSONValue { .null }
}
