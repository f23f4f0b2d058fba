/// The HTTP client of an addon granted no `network:` permission: every request is refused.
struct DeniedHTTPClient: HTTPClient {
    let addonID: String

    func send(_ request: OutgoingRequest) async throws -> Response {
        throw HTTPError(status: 500, code: "permission_denied", message: "addon \(addonID) was not granted network access to \(request.url): add 'network:<host>' to the manifest's permissions")
    }
}

/// The services of an addon granted no `service:` permission: calls are refused, offers ignored.
struct DeniedServices: ServiceRegistry {
    let addonID: String

    func provide(_ name: String, _ handler: @escaping @Sendable (JSONValue) async throws -> JSONValue) async {}

    func call(_ provider: String, _ name: String, _ argument: JSONValue) async throws -> JSONValue {
        throw HTTPError(status: 500, code: "permission_denied", message: "addon \(addonID) was not granted the service \(provider).\(name): add 'service:\(provider).\(name)' to the manifest's permissions")
    }
}
