import BerthPackages
import Foundation

/// Rate-limited routes follow the rate-limiting slot when an administrator moves it.
extension AddonManager {
    /// How often a remount waits for a lifecycle operation in progress to finish (that operation
    /// mounts with the slot as it is then, so only the other addons need the remount).
    static let remountRetry: Duration = .milliseconds(20)

    /// Remounts, each in one swap, the routes of every mounted addon that has a rate limit, so
    /// each route counts where the rate-limiting slot points now: in the shared file (memory, a
    /// synchronous route stays synchronous) or through the selected provider (its handler then
    /// runs async, since the count may wait on the network). Called in every process that sees
    /// the slot move (see ``BerthProviders/SlotRegistry/observeRateLimitSwitch(_:)``).
    /// - Returns: the ids of the addons remounted.
    @discardableResult
    func remountLimitedRoutes() async -> [String] {
        while operationInProgress != nil {
            try? await Task.sleep(for: Self.remountRetry)
        }
        // No suspension from here on: no operation can start or finish halfway through.
        var remounted: [String] = []
        for id in running.keys.sorted() {
            guard let addon = running[id], let entry = registry[id], entry.state == .active, mounted[id] != nil else { continue }
            let manifest = Self.manifest(of: addon)?.applying(entry.policyOverrides)
            guard manifest?.routes.contains(where: { $0.rateLimit != nil }) == true else { continue }
            do {
                try mount(addon, prefix: entry.mountPrefix, replacing: true)
                remounted.append(id)
            } catch {
                logger.error("cannot remount a rate-limited addon after the rate-limiting slot moved; its routes count where they did", metadata: ["addon": .string(id), "error": "\(error)"])
            }
        }
        if !remounted.isEmpty {
            logger.info("rate-limited routes remounted after the rate-limiting slot moved", metadata: ["addons": .string(remounted.joined(separator: ",")), "counts_in_slot": .bool(requestPolicies.countsInSlot)])
        }
        return remounted
    }
}
