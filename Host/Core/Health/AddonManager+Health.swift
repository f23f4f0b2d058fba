import BerthMetrics
import Foundation
import PluginAPI

/// The addons' own health checks, their scores, and what the process gauges read.
extension AddonManager {
    /// Hands the manager the jobs engine's record of failed runs, which the health score reads.
    public func setJobHealthSource(_ source: any JobHealthSource) {
        health.jobs = source
    }

    /// Asks every addon loaded here for its ``Addon/health(_:)``, each within
    /// ``HealthChecks/deadline``; an addon that does not answer in time is recorded as silent.
    /// An addon whose last check has not returned yet is not asked again (its answer stays
    /// "did not answer"), so a `health()` that never returns costs one task, not one per interval.
    func checkHealth() async {
        for (id, addon) in running where registry[id]?.state == .active {
            guard !health.asking.contains(id) else {
                health.answers[id] = HealthChecks.Answer(health: nil, at: Date())
                continue
            }
            health.asking.insert(id)
            let answer = try? await StepDeadline.run("health", addon: id, limit: HealthChecks.deadline) { [addon, self] in
                let verdict = await addon.library.addon.health(addon.context)
                await self.finishedAsking(id)
                return verdict
            }
            health.answers[id] = HealthChecks.Answer(health: answer, at: Date())
        }
    }

    private func finishedAsking(_ id: String) {
        health.asking.remove(id)
    }

    /// Requests in flight per addon loaded here.
    func inFlightByAddon() -> [String: Int] {
        running.mapValues(\.gate.count)
    }

    /// The ids of the installed addons.
    var installedIDs: [String] { Array(registry.keys) }

    /// The active addons with the error threshold that applies to each.
    func errorThresholds(standard: ErrorThreshold) -> [String: ErrorThreshold] {
        var thresholds: [String: ErrorThreshold] = [:]
        for (id, entry) in registry where entry.state == .active { thresholds[id] = entry.errorThreshold ?? standard }
        return thresholds
    }

    /// Deactivates `id` because it passed its error threshold (the single-process host; the
    /// supervisor does it through ``HomeEngine/deactivateForErrors(_:reason:)``).
    func deactivateForErrors(_ id: String, reason: String) async throws {
        try await mutation("deactivate \(id)", addon: id) {
            guard registry[id]?.state == .active else { return }
            // Recorded with the deactivation's own save: no reader sees it inactive without why.
            registry[id]?.quarantine = Quarantine(reason: reason, crashes: 0, at: ISO8601DateFormatter().string(from: Date()), cause: ErrorThresholdWatch.event)
            do {
                _ = try await performDeactivate(id)
            } catch {
                registry[id]?.quarantine = nil
                throw error
            }
            logger.warning("deactivated: error threshold exceeded", metadata: ["addon": id, "reason": reason])
            await publishLifecycle(ErrorThresholdWatch.event, id: id, version: registry[id]?.version ?? "", detail: reason)
        }
    }

    /// Sets (nil: clears) the error threshold of `id`.
    func setErrorThreshold(_ threshold: ErrorThreshold?, of id: String) async throws -> ErrorThreshold? {
        if let problem = threshold?.problem { throw BerthError.unprocessable("invalid_threshold", "the error threshold of \(id): \(problem)") }
        return try await mutation("configure \(id)", addon: id) {
            guard registry[id] != nil else { throw Self.notInstalled(id) }
            registry[id]?.errorThreshold = threshold
            try save()
            return threshold
        }
    }

    /// The threshold that applies to `id`, and whether it is the addon's own.
    func errorThreshold(of id: String, standard: ErrorThreshold) throws -> (threshold: ErrorThreshold, own: Bool) {
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        return (entry.errorThreshold ?? standard, entry.errorThreshold != nil)
    }

    /// `id`'s health score from `current` figures and the metrics `readings`.
    func healthScore(of id: String, current: AddonFigures, readings: [MetricsHistory.Reading], now: Double = Date().timeIntervalSince1970) async throws -> HealthScore {
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        var inputs = HealthScore.Inputs()
        inputs.active = entry.state == .active
        inputs.quarantine = entry.quarantine
        let (figures, seconds) = MetricsHistory.window(HealthScore.window, current: current, of: id, in: readings, now: now)
        inputs.figures = figures
        inputs.windowSeconds = seconds ?? min(HealthScore.window, now - health.startedAt)
        inputs.own = health.answers[id]
        inputs.handlerTimeout = Double(HandlerDeadline.timeout.components.seconds) + Double(HandlerDeadline.timeout.components.attoseconds) / 1e18
        if let jobs = health.jobs { inputs.jobFailures = await jobs.consecutiveFailures(of: id) }
        return HealthScore(inputs)
    }
}
