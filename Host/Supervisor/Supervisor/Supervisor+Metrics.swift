import BerthCore
import BerthMetrics
import Foundation

/// What the supervisor keeps of the host's metrics: the shared table (crashes, quarantines, the
/// workers and their generation), its own record among the processes (for the resident memory),
/// the history of the per-addon figures, and the error thresholds it enforces.
struct SupervisorMetrics {
    let table: SeriesTable
    let processes: ProcessGauges
    let watch: ErrorThresholdWatch
    let standardThreshold: ErrorThreshold
    var lastPass = ContinuousClock.now
    /// The thresholds of the active addons, read again only when the registry file changed.
    var thresholds: (stamp: String, byAddon: [String: ErrorThreshold]) = ("", [:])

    /// The metrics of `home`, or nil when `BERTH_METRICS=0`.
    static func open(home: BerthHome, environment: [String: String]) throws -> SupervisorMetrics? {
        guard !["0", "false", "no"].contains(environment["BERTH_METRICS"]?.lowercased() ?? "1") else { return nil }
        let run = home.stateDirectory + "/run"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            let table = try SeriesTable(path: run + "/metrics.v1")
            let processes = try ProcessGauges(path: run + "/processes.v1")
            processes.register()
            return SupervisorMetrics(
                table: table, processes: processes, watch: ErrorThresholdWatch(table: table, history: MetricsHistory(path: run + "/metrics-history.json")),
                standardThreshold: try ErrorThreshold.host(environment: environment)
            )
        } catch let error as BerthError {
            throw error
        } catch {
            throw BerthError(status: 500, code: "invalid_setting", message: "the host's metrics files cannot be used: \(error)")
        }
    }
}

extension Supervisor {
    /// Once a second: the worker gauges, a history reading when due, and the error thresholds.
    /// An addon past its threshold is deactivated like a quarantined one (unless a change holds the
    /// home's lock: then at a later second) and a generation without it rolls.
    func metricsTick() {
        guard var metrics = observability, clock.now - metrics.lastPass >= .seconds(1) else { return }
        metrics.lastPass = clock.now
        let stamp = keeper.registryStamp()
        if stamp != metrics.thresholds.stamp {
            metrics.thresholds = (stamp, keeper.engine.errorThresholds(standard: metrics.standardThreshold))
        }
        observability = metrics
        metrics.table.set(.workers, to: workers.values.filter { $0.generation == current && $0.serving && $0.drain == nil }.count)
        metrics.table.set(.generation, to: current)
        guard !shuttingDown else { return }
        for (id, reason) in metrics.watch.check(thresholds: metrics.thresholds.byAddon) {
            guard keeper.engine.deactivateForErrors(id, reason: reason) else { continue }
            metrics.watch.deactivated(id)
            roll(reason: "\(id) passed its error threshold")
        }
    }
}
