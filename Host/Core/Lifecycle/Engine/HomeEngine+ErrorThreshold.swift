import Foundation

extension HomeEngine {
    /// Takes addon `id` out of service because its error threshold was passed: deactivated in the
    /// registry with the reason recorded (as a quarantine whose cause is
    /// `error_threshold_exceeded`) and the lifecycle event `error_threshold_exceeded` in its
    /// history. Activating it again clears the record.
    /// - Returns: false if the home's lock is held by a change in progress (retry later), true once
    ///   recorded (or if the addon is no longer installed or already inactive).
    public func deactivateForErrors(_ id: String, reason: String) -> Bool {
        guard let release = lock.tryAcquire() else { return false }
        defer { release() }
        do {
            var registry = try registryStore.load()
            guard var entry = registry[id], entry.state == .active else { return true }
            entry.state = .inactive
            entry.quarantine = Quarantine(reason: reason, crashes: 0, at: ISO8601DateFormatter().string(from: Date()), cause: ErrorThresholdWatch.event)
            registry[id] = entry
            try registryStore.save(registry)
            logger.warning("deactivated: error threshold exceeded", metadata: ["addon": id, "reason": reason])
            auditLog.record(id: id, event: ErrorThresholdWatch.event, version: entry.version, detail: reason)
            return true
        } catch {
            logger.error("deactivation for errors failed", metadata: ["addon": id, "error": "\(error)"])
            return false
        }
    }

    /// The active addons with the error threshold that applies to each (their own, or `standard`).
    public func errorThresholds(standard: ErrorThreshold) -> [String: ErrorThreshold] {
        guard let registry = try? registryStore.load() else { return [:] }
        var thresholds: [String: ErrorThreshold] = [:]
        for (id, entry) in registry where entry.state == .active {
            thresholds[id] = entry.errorThreshold ?? standard
        }
        return thresholds
    }
}
