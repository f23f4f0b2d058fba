import PluginAPI

/// The permissions a manifest may request; the context hands out only the services granted.
enum Permission {
    static let database = "database"
    static let events = "events"
    static let network = "network"
    static let filesystem = "filesystem"

    static let known: Set<String> = [database, events, network, filesystem]
}

/// The database of an addon that did not ask for the `database` permission.
struct DeniedDatabase: AddonDatabase {
    let addonID: String
    var dialect: String { "none" }

    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int { throw denied }
    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] { throw denied }

    private var denied: HTTPError {
        HTTPError(status: 500, code: "permission_denied", message: "addon \(addonID) was not granted the 'database' permission: add it to the manifest's permissions")
    }
}

/// The events bus of an addon that did not ask for the `events` permission: publishing and
/// subscribing do nothing and are logged once by the host at install.
struct DeniedEvents: EventBus {
    let addonID: String
    func publish(_ name: String, payload: JSONValue) async {}
    func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription {
        Subscription {}
    }
}
