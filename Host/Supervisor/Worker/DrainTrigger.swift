import Synchronization

/// Fires once, from a signal or the watchdog; ``wait()`` returns from then on.
final class DrainTrigger: Sendable {
    private let state = Mutex<(fired: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Starts the drain; later calls do nothing.
    func fire() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard !state.fired else { return nil }
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether ``fire()`` was called.
    var hasFired: Bool { state.withLock { $0.fired } }

    /// Suspends until ``fire()``.
    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state in
                if !state.fired { state.waiter = continuation }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}
