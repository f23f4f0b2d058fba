import PluginAPI

/// The service lookup of a test context: it answers as the host does, refusing a service the
/// addon's manifest does not grant (naming the permission to add) and one nobody provided.
struct TestServices: ServiceLookup {
    let permissions: Set<String>
    let services: [String: any Sendable]

    func service(named name: String, permission: String, for addonID: String) throws -> any Sendable {
        guard permissions.contains(permission) else { throw HTTPError.permissionDenied(addonID: addonID, permission: permission) }
        guard let service = services[name] else { throw HTTPError.serviceUnavailable("the test harness has no \(name) service; pass one in services:") }
        return service
    }
}

/// Calls to other addons' services fail in tests unless the test provides them.
struct TestRegistry: ServiceRegistry {
    let addonID: String

    func provide(_ name: String, _ handler: @escaping @Sendable (JSONValue) async throws -> JSONValue) async {}

    func call(_ provider: String, _ name: String, _ argument: JSONValue) async throws -> JSONValue {
        throw HTTPError.serviceUnavailable("addon \(addonID) called \(provider).\(name): no other addons run in the test harness")
    }
}

/// Outgoing HTTP is refused in tests: the addon's calls should go to a stub passed as a service.
struct TestHTTPClient: HTTPClient {
    let addonID: String

    func send(_ request: OutgoingRequest) async throws -> Response {
        throw HTTPError.serviceUnavailable("addon \(addonID) sent \(request.method) \(request.url): the test harness makes no network calls")
    }
}
