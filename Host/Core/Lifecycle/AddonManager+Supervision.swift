import Foundation

/// How a worker's manager talks to its supervisor: the roll after a change, the step a crash would
/// be blamed on, a step past its deadline. (The supervisor itself uses ``HomeEngine``.)
extension AddonManager {
    /// Sets the function called after every successful mutation, once the home's lock is released.
    /// A worker uses it to have the supervisor roll a new generation of workers, and returns from it
    /// once the new generation serves.
    /// The observer answers whether the new generation serves.
    public func setChangeObserver(_ observer: @escaping @Sendable () async -> Bool) {
        changeObserver = observer
    }

    /// Sets the function told the step of the change running now (nil addon: none runs).
    public func setStepObserver(_ observer: @escaping @Sendable (_ addon: String?, _ step: String) -> Void) {
        stepObserver = observer
    }

    /// Sets the function told when an addon's step ran past its deadline (its reason for the log):
    /// a worker asks the supervisor to replace it, since the addon may hold one of its threads.
    public func setStuckObserver(_ observer: @escaping @Sendable (String) -> Void) {
        stuckObserver = observer
    }
}
