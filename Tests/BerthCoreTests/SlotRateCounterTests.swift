@testable import BerthCore
import PluginAPI
import Testing

/// Route limits counted through the rate-limiting slot: the provider's answer becomes the
/// window decision the rate-limit fields are built from, and a provider that does not answer in
/// time or fails leaves the count unavailable (the route then fails open or closed).
struct SlotRateCounterTests {
    /// A provider that answers after `delay` with a fixed decision, or throws.
    struct SlowLimiter: RateLimiter {
        var delay: Duration = .zero
        var fails = false
        func hit(_ key: String, limit: Int, window: Duration, cost: Int) async throws -> RateLimitDecision {
            try await Task.sleep(for: delay)
            if fails { throw HTTPError(status: 502, code: "provider_failed", message: "the store is down") }
            return RateLimitDecision(allowed: true, limit: limit, remaining: 7, reset: .milliseconds(2500))
        }
    }

    func counter(_ limiter: SlowLimiter, timeout: Duration = .seconds(5)) -> SlotRateCounter {
        SlotRateCounter(limiter: limiter, timeout: timeout, logger: Logger(label: "berth", handler: HostLogHandler(minimumLevel: .error)))
    }

    @Test func aProvidersAnswerBecomesTheDecisionWithTheResetRoundedUp() async {
        guard case .decided(let decision) = await counter(SlowLimiter()).hit("k", limit: 10, window: 60) else {
            Issue.record("not decided")
            return
        }
        #expect(decision.allowed)
        #expect(decision.limit == 10)
        #expect(decision.remaining == 7)
        #expect(decision.resetSeconds == 3)
    }

    @Test func aProviderPastTheDeadlineLeavesTheCountUnavailable() async {
        let outcome = await counter(SlowLimiter(delay: .seconds(30)), timeout: .milliseconds(50)).hit("k", limit: 10, window: 60)
        guard case .unavailable(let reason) = outcome else {
            Issue.record("decided despite the deadline: \(outcome)")
            return
        }
        #expect(reason.contains("did not answer within"))
    }

    @Test func aFailingProviderLeavesTheCountUnavailableNamingTheError() async {
        guard case .unavailable(let reason) = await counter(SlowLimiter(fails: true)).hit("k", limit: 10, window: 60) else {
            Issue.record("decided despite the failure")
            return
        }
        #expect(reason.contains("the store is down"))
    }
}
