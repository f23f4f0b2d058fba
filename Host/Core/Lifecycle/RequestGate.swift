import Synchronization

/// Counts an addon's in-flight requests so that unmounting can wait for them to finish.
final class RequestGate: Sendable {
    private let inFlight = Atomic<Int>(0)

    func enter() {
        inFlight.wrappingAdd(1, ordering: .relaxed)
    }

    func leave() {
        inFlight.wrappingSubtract(1, ordering: .releasing)
    }

    var count: Int { inFlight.load(ordering: .acquiring) }

    /// Waits until no request is in flight, or until `timeout` passed.
    /// - Returns: whether every request finished.
    func drain(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while count > 0 {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}
