import PluginAPI

/// The rate-limiting slot as the host itself uses it, for the limits of addon routes.
extension SlotRegistry {
    /// Whether the rate-limiting slot uses only the host's built-in `memory` provider (the default),
    /// whose counts the host keeps in its shared file without a provider call.
    /// Reads the selections file now; the request path reads ``rateLimitsAreBuiltInNow()``.
    public var rateLimitsAreBuiltIn: Bool {
        selection(.rateLimit).selection.providers == ["memory"]
    }

    /// The rate-limiting slot with its keys under `scope:` (a name no addon id can take, e.g.
    /// `berth.routes`), through the selected provider like any addon's call.
    public func hostRateLimiter(scope: String) -> any RateLimiter {
        RateLimitFront(registry: self, addonID: scope)
    }
}
