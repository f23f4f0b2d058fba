import BerthProviders
import PluginAPI
import Synchronization

/// Services addons offer each other, by provider and name, and the host's providers of the slots
/// (email, cache, …) by slot name. An addon's offers end when it stops.
public final class HostServiceRegistry: Sendable {
    typealias Handler = @Sendable (JSONValue) async throws -> JSONValue

    private let services = Mutex<[String: [String: Handler]]>([:])
    private let providers = Mutex<[String: any Sendable]>([:])
    private let providerHub = Mutex<ProviderHub?>(nil)

    /// Creates an empty registry.
    public init() {}

    func provide(_ provider: String, _ name: String, _ handler: @escaping Handler) {
        services.withLock { $0[provider, default: [:]][name] = handler }
    }

    func handler(_ provider: String, _ name: String) -> Handler? {
        services.withLock { $0[provider]?[name] }
    }

    /// Withdraws every service of `provider`.
    /// - Returns: how many were withdrawn.
    @discardableResult
    public func withdrawAll(provider: String) -> Int {
        hub?.slots.withdraw(supplier: provider)
        return services.withLock { $0.removeValue(forKey: provider)?.count ?? 0 }
    }

    /// Makes `hub`'s slot fronts the answers to lookups of the slots, and takes addons' offers into it.
    public func attach(_ hub: ProviderHub) {
        providerHub.withLock { $0 = hub }
        for (name, front) in hub.fronts { register(provider: front, named: name) }
    }

    /// The provider slots, once attached.
    public var hub: ProviderHub? { providerHub.withLock { $0 } }

    /// Refuses to `action` addon `id` while a slot uses a provider it supplies (409 naming the slot).
    func refuseRemovalOfProviders(of id: String, action: String) throws {
        do {
            try hub?.slots.refuseRemoval(of: id, action: action)
        } catch {
            throw BerthError(status: error.status, code: error.code, message: error.message)
        }
    }

    /// The names `provider` offers.
    public func names(of provider: String) -> [String] {
        services.withLock { ($0[provider] ?? [:]).keys.sorted() }
    }

    /// Makes `provider` the answer to lookups of `name` (a slot such as `email`, whose protocol it
    /// must conform to, e.g. `any EmailSender`), replacing any earlier one.
    public func register(provider: any Sendable, named name: String) {
        providers.withLock { $0[name] = provider }
    }

    /// The provider registered as `name`.
    func provider(named name: String) -> (any Sendable)? {
        providers.withLock { $0[name] }
    }

    /// The service lookup of one addon's context.
    func lookup(for addonID: String, permissions: [String], events: any EventBus) -> any ServiceLookup {
        AddonServiceLookup(addonID: addonID, permissions: Set(permissions), events: events, registry: self)
    }

    /// The registry as one addon sees it: it may offer services, and call those its manifest grants.
    func view(for addonID: String, permissions: [String]) -> any ServiceRegistry {
        AddonServiceView(addonID: addonID, granted: Set(permissions.filter { $0.hasPrefix("service:") }.map { String($0.dropFirst("service:".count)) }), registry: self)
    }
}

/// One addon's view of the service registry.
struct AddonServiceView: ServiceRegistry {
    let addonID: String
    let granted: Set<String>
    let registry: HostServiceRegistry

    func provide(_ name: String, _ handler: @escaping @Sendable (JSONValue) async throws -> JSONValue) async {
        registry.provide(addonID, name, handler)
    }

    func call(_ provider: String, _ name: String, _ argument: JSONValue) async throws -> JSONValue {
        guard granted.contains("\(provider).\(name)") || granted.contains("\(provider).*") else {
            throw HTTPError(status: 500, code: "permission_denied", message: "addon \(addonID) was not granted the service \(provider).\(name): add 'service:\(provider).\(name)' to the manifest's permissions")
        }
        guard let handler = registry.handler(provider, name) else {
            throw HTTPError(status: 503, code: "service_unavailable", message: "no addon \(provider) offering \(name) is running")
        }
        return try await handler(argument)
    }
}
