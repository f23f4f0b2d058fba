import Dispatch
import Foundation
import Synchronization

/// Runs one step an addon controls with a deadline. The step runs apart from the caller; if the
/// deadline passes first, the caller gets a 504 naming the addon and the step and goes on (undo,
/// release the lock) while the step is abandoned. A step that blocks its thread keeps it: the
/// caller reports it (``AddonManager/stuckStep(_:addon:)``) and a worker is then recycled.
enum StepDeadline {
    /// Thrown when a step ran past its deadline.
    static func expired(_ step: String, addon: String, after limit: Duration) -> BerthError {
        BerthError(status: 504, code: "\(step)_timeout", message: "addon \(addon): \(step) did not finish within \(limit); the change was undone")
    }

    /// Runs `operation` until it finishes or `limit` passes.
    static func run<T: Sendable>(_ step: String, addon: String, limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let answer = OneAnswer<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            answer.set(continuation)
            let task = Task {
                do { answer.give(.success(try await operation())) } catch { answer.give(.failure(error)) }
            }
            // A dispatch timer, not a task: a step that blocks every cooperative thread must not
            // also hold back its own deadline.
            DispatchQueue.global().asyncAfter(deadline: .now() + dispatchInterval(limit)) {
                // The expiry answers first: the cancelled step's own error must not take its place.
                answer.give(.failure(expired(step, addon: addon, after: limit)))
                task.cancel()
            }
        }
    }

    /// Runs a synchronous `operation` on a dispatch thread until it finishes or `limit` passes.
    /// The operation gets the deadline (monotonic nanoseconds) to bound its own calls by, since an
    /// `interrupt` reaches only what runs when it fires; `interrupt` is called on expiry to make it
    /// stop (e.g. `sqlite3_interrupt`), and the answer waits a few seconds for it to return, so the
    /// caller's undo does not run beside it. A failure at or past the deadline is the deadline's:
    /// a statement the deadline stopped fails with its own error an instant before the timer fires.
    static func runBlocking<T: Sendable>(_ step: String, addon: String, limit: Duration, interrupt: @escaping @Sendable () -> Void = {},
                                         _ operation: @escaping @Sendable (_ deadline: UInt64) throws -> T) async throws -> T {
        let answer = OneAnswer<T>()
        let late = Atomic<Bool>(false)
        let deadline = DispatchTime.now().uptimeNanoseconds + nanoseconds(limit)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            answer.set(continuation)
            DispatchQueue.global().async {
                let result = Result { try operation(deadline) }
                var pastDeadline = late.load(ordering: .acquiring)
                if case .failure = result, DispatchTime.now().uptimeNanoseconds >= deadline { pastDeadline = true }
                answer.give(pastDeadline ? .failure(expired(step, addon: addon, after: limit)) : result)
            }
            DispatchQueue.global().asyncAfter(deadline: DispatchTime(uptimeNanoseconds: deadline)) {
                late.store(true, ordering: .releasing)
                interrupt()
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(5)) {
                    answer.give(.failure(expired(step, addon: addon, after: limit)))
                }
            }
        }
    }

    /// `duration` in nanoseconds (0 for a negative one).
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// `duration` as a dispatch interval (0 for a negative one: due at once).
    static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        .nanoseconds(Int(clamping: nanoseconds(duration)))
    }
}

/// A continuation resumed by whichever of the step and its deadline comes first.
private final class OneAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ waiting: CheckedContinuation<T, any Error>) {
        continuation.withLock { $0 = waiting }
    }

    func give(_ result: Result<T, any Error>) {
        let waiting = continuation.withLock { state -> CheckedContinuation<T, any Error>? in
            defer { state = nil }
            return state
        }
        waiting?.resume(with: result)
    }
}
