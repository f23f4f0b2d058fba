import BerthHTTP
import BerthMetrics
import Foundation
import PluginAPI

/// The host's metrics and health as one process holds them: the shared table, the process
/// gauges, the metrics history and the default error threshold, and the loops that keep them.
struct HostObservability: Sendable {
    let home: BerthHome
    /// Nil with `BERTH_METRICS=0`.
    let table: SeriesTable?
    let processes: ProcessGauges?
    let history: MetricsHistory
    let standardThreshold: ErrorThreshold

    /// The observability of `home`: `table` from the request policies, the process gauges beside it.
    static func open(home: BerthHome, table: SeriesTable?, environment: [String: String]) throws -> HostObservability {
        let run = home.stateDirectory + "/run"
        var processes: ProcessGauges?
        if let table {
            do {
                let gauges = try ProcessGauges(path: run + "/processes.v1")
                gauges.register()
                gauges.clearInFlight(in: table)
                processes = gauges
            } catch {
                throw BerthError(status: 500, code: "invalid_setting", message: "the host's process gauges cannot be used: \(error.message)")
            }
        }
        return HostObservability(
            home: home, table: table, processes: processes, history: MetricsHistory(path: run + "/metrics-history.json"),
            standardThreshold: try ErrorThreshold.host(environment: environment)
        )
    }

    /// Starts the loops: every second this process's gauges (and, with `watchesMetrics`, the
    /// history and the error thresholds, for a single-process host); every 30 seconds the addons'
    /// own health checks. Cancel the task to stop them.
    func start(manager: AddonManager, server: HTTPServer, watchesMetrics: Bool, logger: Logger) -> Task<Void, Never> {
        let watch = table.map { ErrorThresholdWatch(table: $0, history: history) }
        return Task.detached { [self] in
            let health = Task {
                while !Task.isCancelled {
                    await manager.checkHealth()
                    try? await Task.sleep(for: HealthChecks.interval)
                }
            }
            defer { health.cancel() }
            while !Task.isCancelled {
                if let table, let processes {
                    let pools = await manager.poolUsage()
                    var figures = ProcessGauges.Figures()
                    figures.openConnections = server.openConnectionCount
                    figures.databaseConnections = pools.open
                    figures.databaseConnectionsInUse = pools.inUse
                    figures.databaseWaiters = pools.waiting
                    figures.databasePoolCapacity = pools.capacity
                    processes.publish(figures)
                    processes.publishInFlight(await manager.inFlightByAddon(), addons: await manager.installedIDs, in: table)
                    if watchesMetrics, let watch {
                        table.set(.workers, to: 1)
                        table.set(.generation, to: 1)
                        for (id, reason) in watch.check(thresholds: await manager.errorThresholds(standard: standardThreshold)) {
                            do {
                                try await manager.deactivateForErrors(id, reason: reason)
                                watch.deactivated(id)
                            } catch {
                                logger.error("cannot deactivate an addon past its error threshold", metadata: ["addon": .string(id), "error": "\(error)"])
                            }
                        }
                    }
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
