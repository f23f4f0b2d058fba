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

    /// Runs a synchronous `operation` on a dispatch thread until it finishes or `limit` passes;
    /// `interrupt` is called on expiry to make it stop (e.g. `sqlite3_interrupt`), and the answer
    /// waits a few seconds for it to return, so the caller's undo does not run beside it.
    static func runBlocking<T: Sendable>(_ step: String, addon: String, limit: Duration, interrupt: @escaping @Sendable () -> Void = {},
                                         _ operation: @escaping @Sendable () throws -> T) async throws -> T {
        let answer = OneAnswer<T>()
        let late = Atomic<Bool>(false)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            answer.set(continuation)
            DispatchQueue.global().async {
                let result = Result { try operation() }
                answer.give(late.load(ordering: .acquiring) ? .failure(expired(step, addon: addon, after: limit)) : result)
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + dispatchInterval(limit)) {
                late.store(true, ordering: .releasing)
                interrupt()
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(5)) {
                    answer.give(.failure(expired(step, addon: addon, after: limit)))
                }
            }
        }
    }

    static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
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
