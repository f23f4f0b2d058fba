import BerthTraffic
import Foundation
import PluginAPI

/// The `memory` rate limiting provider: fixed windows counted in BerthTraffic's
/// ``BerthTraffic/RateWindowTable``, a file mapped by every worker of the host, so a limit holds
/// across workers. When the table has no free slot for a key the hit is refused with 503 (fail
/// closed), never silently admitted.
public struct MemoryRateLimiter: RateLimiter {
    let table: RateWindowTable

    /// A limiter counting in `table`.
    public init(table: RateWindowTable) {
        self.table = table
    }

    public func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
        try decide(key, limit: limit, window: window, cost: cost)
    }

    /// The work of ``hit(_:limit:window:cost:)``, synchronous: the rate limiting front calls it
    /// directly (see ``ImmediateProvider``).
    func decide(_ key: String, limit: Int, window: Duration, cost: Int) throws(HTTPError) -> RateLimitDecision {
        guard limit >= 0, cost >= 1 else { throw ProviderError.invalidArgument("a rate limit needs limit ≥ 0 and cost ≥ 1, not \(limit) and \(cost)").httpError }
        let seconds = Int(window.components.seconds)
        guard seconds >= 1 else { throw ProviderError.invalidArgument("a rate limit window is at least one second, not \(window)").httpError }
        let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
        switch table.hit(key, limit: limit, window: seconds, cost: cost, now: now) {
        case .decided(let decision):
            return RateLimitDecision(allowed: decision.allowed, limit: decision.limit, remaining: decision.remaining, reset: .seconds(decision.resetSeconds))
        case .unavailable:
            throw ProviderError.unavailable("the rate limit table has no free slot for this key: too many live windows").httpError
        }
    }
}
