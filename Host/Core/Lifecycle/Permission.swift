import PluginAPI

/// The permissions a manifest may request; the context hands out only the services granted.
///
/// `database`, `events`, `filesystem` (a scratch folder) and the provider slots' permissions
/// (`email`, `cache`, … see ``ProviderSlot``) stand alone; `network:<host>` or
/// `network:<host>:<port>` grant outgoing HTTP to that host; `service:<addon>.<name>` (or
/// `service:<addon>.*`) grants calling another addon's service.
enum Permission {
    static let database = "database"
    static let events = "events"
    static let filesystem = "filesystem"

    static let plain: Set<String> = Set([database, events, filesystem]).union(ProviderSlot.permissions)

    /// The requested permissions this host does not understand.
    static func unknown(in permissions: [String]) -> [String] {
        permissions.filter { !isKnown($0) }
    }

    static func isKnown(_ permission: String) -> Bool {
        if plain.contains(permission) { return true }
        if permission.hasPrefix("network:") {
            let host = permission.dropFirst("network:".count)
            return !host.isEmpty && !host.contains("/")
        }
        if permission.hasPrefix("service:") {
            let parts = permission.dropFirst("service:".count).split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty }
        }
        return false
    }

    /// How the manifest may spell permissions, for messages.
    static let forms = "database, events, filesystem, \(ProviderSlot.all.map(\.permission).joined(separator: ", ")), network:<host>[:<port>], service:<addon>.<name>"
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
/// subscribing do nothing (the protocol cannot throw) and each attempt is logged as an error that
/// names the missing permission.
struct DeniedEvents: EventBus {
    let addonID: String
    let logger: Logger

    func publish(_ name: String, payload: JSONValue) async {
        logger.error("event \(name) not published: addon \(addonID) was not granted the 'events' permission")
    }

    func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription {
        logger.error("subscription to \(name) refused: addon \(addonID) was not granted the 'events' permission")
        return Subscription {}
    }
}
