import PluginAPI

/// The rate limiting slot as one addon reaches it: its keys are prefixed with the addon's id.
struct RateLimitFront: RateLimiter, AddonScopedService {
    let registry: SlotRegistry
    let addonID: String

    func scoped(to addonID: String) -> any Sendable { RateLimitFront(registry: registry, addonID: addonID) }

    func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
        let scoped = "\(addonID):\(key)"
        return try await registry.deliver(.rateLimit, as: (any RateLimiter).self) { try await $0.hit(scoped, limit: limit, window: window, cost: cost) }
    }
}
