import PluginAPI

/// The rate limiting slot as one addon reaches it: its keys are prefixed with the addon's id.
struct RateLimitFront: RateLimiter, AddonScopedService {
    let registry: SlotRegistry
    let addonID: String
    /// `addonID` and the separator, joined once (as in ``CacheFront``).
    private let prefix: String

    init(registry: SlotRegistry, addonID: String) {
        self.registry = registry
        self.addonID = addonID
        self.prefix = addonID + ":"
    }

    func scoped(to addonID: String) -> any Sendable { RateLimitFront(registry: registry, addonID: addonID) }

    func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
        let scoped = prefix + key
        if let route = registry.immediateRoute(.rateLimit), case .rateLimiter(let memory) = route.provider {
            return try registry.counting(route) { () throws(HTTPError) in try memory.decide(scoped, limit: limit, window: window, cost: cost) }
        }
        return try await registry.deliver(.rateLimit, as: (any RateLimiter).self) { try await $0.hit(scoped, limit: limit, window: window, cost: cost) }
    }
}
