import BerthMetrics
import Foundation

/// Lifecycle operations in the host's metrics, and the figures the pool gauges read.
extension AddonManager {
    /// Counts one mutation by its kind (the description's first word: `install`, `uninstall`,
    /// `upgrade`, `activate`, `deactivate`, `configure`, `change` of policies) and result (`ok`
    /// or the error's code: both bounded sets), with its duration.
    func countOperation(_ description: String, result: String, since started: ContinuousClock.Instant) {
        guard let metrics = requestPolicies.metrics else { return }
        let first = description.split(separator: " ").first.map(String.init) ?? "other"
        let kind = first == "change" ? "policies" : first
        metrics.count(.lifecycleOperations, ["kind": kind, "result": result])
        metrics.observe(.lifecycleDuration, ["kind": kind], duration: .now - started)
    }

    /// The connection pools of the addons loaded here, summed (nil figures for SQLite).
    func poolUsage() -> (open: Int, inUse: Int, waiting: Int, capacity: Int) {
        var total = (open: 0, inUse: 0, waiting: 0, capacity: 0)
        for addon in running.values {
            guard let usage = addon.data.poolUsage else { continue }
            total.open += usage.open
            total.inUse += usage.inUse
            total.waiting += usage.waiting
            total.capacity += usage.capacity
        }
        return total
    }
}
