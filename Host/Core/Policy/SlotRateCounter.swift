import BerthTraffic
import Foundation
import PluginAPI
import Synchronization

/// Counts route rate limits through the rate-limiting slot when it is not the host's built-in
/// `memory` provider (e.g. `RATE_LIMIT_PROVIDER=redis`, so every node of a cluster shares one
/// count). Only ever called where the handler runs async: the provider's call is network I/O and
/// must never hold a libmicrohttpd polling thread.
///
/// Every call has a deadline (`BERTH_RATE_LIMIT_TIMEOUT`). A call that fails or passes it is
/// `unavailable`; the caller then fails open or closed (`BERTH_RATE_LIMIT_FAIL_OPEN`). Failures
/// are logged at most once per ``logInterval`` with how many there were since, so a store that is
/// down does not flood the log.
struct SlotRateCounter: Sendable {
    /// The outcome of one hit.
    enum Outcome: Sendable {
        case decided(WindowDecision)
        case unavailable(String)
    }

    /// The slot, with keys under the host's scope.
    let limiter: any RateLimiter
    /// The longest one count may take.
    let timeout: Duration
    let logger: Logger
    private let failures = FailureLog()

    /// Seconds between two log lines about failing counts.
    static let logInterval: Duration = .seconds(10)

    init(limiter: any RateLimiter, timeout: Duration, logger: Logger) {
        self.limiter = limiter
        self.timeout = timeout
        self.logger = logger
    }

    /// Counts one hit of `key` against `limit` per `window` seconds.
    func hit(_ key: String, limit: Int, window: Int) async -> Outcome {
        let limiter = limiter
        do {
            let decision = try await Self.withDeadline(timeout) {
                try await limiter.hit(key, limit: limit, window: .seconds(window), cost: 1)
            }
            let (seconds, attoseconds) = decision.reset.components
            let reset = max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
            return .decided(WindowDecision(allowed: decision.allowed, limit: limit, remaining: max(0, decision.remaining), resetSeconds: min(reset, window)))
        } catch {
            let reason = error is DeadlinePassed ? "the rate-limiting provider did not answer within \(timeout)" : "\(error)"
            return .unavailable(reason)
        }
    }

    /// Logs a failed count, at most once per ``logInterval``.
    func logFailure(_ reason: String, route: String, failOpen: Bool) {
        guard let suppressed = failures.shouldLog(every: Self.logInterval) else { return }
        logger.warning("rate limit not counted: the rate-limiting provider failed", metadata: [
            "route": .string(route), "error": .string(reason), "fail_open": .bool(failOpen), "failures_not_logged": .integer(Int64(suppressed)),
        ])
    }

    /// `work`'s result, or ``DeadlinePassed`` once `limit` has passed. A call past its deadline
    /// is left to finish on its own (the provider's own timeout ends it); its result is dropped.
    static func withDeadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = Once()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let timer = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled, once.claim() else { return }
                continuation.resume(throwing: DeadlinePassed())
            }
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                timer.cancel()
                if once.claim() { continuation.resume(with: result) }
            }
        }
    }

    /// The deadline of a count passed.
    struct DeadlinePassed: Error {}

    /// Lets exactly one of two racers resume a continuation.
    private final class Once: Sendable {
        private let taken = Atomic<Bool>(false)
        func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
    }

    /// When failures were last logged and how many were not since.
    private final class FailureLog: Sendable {
        private let state = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))

        /// The failures not logged since the last line, when this one should be logged; nil otherwise.
        func shouldLog(every interval: Duration) -> Int? {
            let now = ContinuousClock.now
            return state.withLock { state in
                if let last = state.last, now - last < interval {
                    state.suppressed += 1
                    return nil
                }
                defer { state = (now, 0) }
                return state.suppressed
            }
        }
    }
}
