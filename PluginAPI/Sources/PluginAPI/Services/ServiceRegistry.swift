/// Services addons offer each other: an addon provides named functions, and another addon whose
/// manifest lists `service:<provider>.<name>` (or `service:<provider>.*`) may call them.
public protocol ServiceRegistry: Sendable {
    /// Offers `name` to other addons until this addon stops.
    func provide(_ name: String, _ handler: @escaping @Sendable (JSONValue) async throws -> JSONValue) async

    /// Calls the service `name` of addon `provider`.
    func call(_ provider: String, _ name: String, _ argument: JSONValue) async throws -> JSONValue
}
