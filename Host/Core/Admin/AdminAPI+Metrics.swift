import BerthHTTP
import BerthMetrics
import Foundation
import PluginAPI

/// One addon's figures and health: `GET /api/v1/addons/{id}/metrics`, the health score in
/// `GET /api/v1/addons/{id}`, and the addon's error threshold
/// (`GET`/`PUT`/`DELETE /api/v1/addons/{id}/error-threshold`).
extension AdminAPI {
    /// The figures of one window, as the endpoint shows them.
    struct WindowReport: Encodable {
        struct Latency: Encodable {
            let p50: Double?
            let p95: Double?
            let p99: Double?
        }
        let requests: UInt64
        let errors: UInt64
        let errorRate: Double
        let latencySeconds: Latency
        let meanExecutionSeconds: Double?
        let crashes: UInt64
        let timeouts: UInt64
        /// The seconds covered; nil: since the host started.
        let seconds: Double?

        enum CodingKeys: String, CodingKey {
            case requests, errors, crashes, timeouts, seconds
            case errorRate = "error_rate"
            case latencySeconds = "latency_seconds"
            case meanExecutionSeconds = "mean_execution_seconds"
        }

        init(_ figures: AddonFigures, seconds: Double?) {
            requests = figures.requests
            errors = figures.serverErrors
            errorRate = figures.errorRate
            latencySeconds = Latency(p50: figures.quantileSeconds(0.5), p95: figures.quantileSeconds(0.95), p99: figures.quantileSeconds(0.99))
            meanExecutionSeconds = figures.meanSeconds
            crashes = figures.crashes
            timeouts = figures.timeouts
            self.seconds = seconds.map { ($0 * 10).rounded() / 10 }
        }
    }

    /// The whole answer.
    struct MetricsReport: Encodable {
        struct Windows: Encodable {
            let oneMinute: WindowReport
            let fifteenMinutes: WindowReport
            let sinceStart: WindowReport
            enum CodingKeys: String, CodingKey {
                case oneMinute = "1m"
                case fifteenMinutes = "15m"
                case sinceStart = "since_start"
            }
        }
        struct LastError: Encodable {
            let time: String
            let message: String
            let requestID: String?
            let route: String?
            enum CodingKeys: String, CodingKey {
                case time, message, route
                case requestID = "request_id"
            }
        }
        let addon: String
        let windows: Windows
        let inFlight: Int
        let lastError: LastError?
        enum CodingKeys: String, CodingKey {
            case addon, windows
            case inFlight = "in_flight"
            case lastError = "last_error"
        }
    }

    /// `GET /api/v1/addons/{id}` with the health score beside the summary.
    struct AddonDetail: Encodable {
        let summary: AddonSummary
        let health: HealthScore
        let errorThreshold: ErrorThreshold

        enum CodingKeys: String, CodingKey {
            case health
            case errorThreshold = "error_threshold"
        }

        func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(health, forKey: .health)
            try container.encode(errorThreshold, forKey: .errorThreshold)
        }
    }

    func registerMetrics(in table: inout RoutingTable) throws {
        guard let observability else { return }
        try admin(.get, "/api/v1/addons/:id/metrics", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            _ = try await manager.addon(id)
            guard let metrics = observability.table else {
                throw BerthError(status: 404, code: "metrics_disabled", message: "this host counts no metrics (BERTH_METRICS=0)")
            }
            return JSONResponse.make(Self.metricsReport(of: id, table: metrics, observability: observability))
        }
        try admin(.get, "/api/v1/addons/:id/error-threshold", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            let (threshold, own) = try await manager.errorThreshold(of: id, standard: observability.standardThreshold)
            return JSONResponse.make(ThresholdReport(threshold: threshold, source: own ? "addon" : "host"))
        }
        try admin(.put, "/api/v1/addons/:id/error-threshold", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            let threshold = try Self.decode(ErrorThreshold.self, from: request)
            _ = try await manager.setErrorThreshold(threshold, of: id)
            return JSONResponse.make(ThresholdReport(threshold: threshold, source: "addon"))
        }
        try admin(.delete, "/api/v1/addons/:id/error-threshold", in: &table) { request, _ in
            let id = request.parameters["id"] ?? ""
            _ = try await manager.setErrorThreshold(nil, of: id)
            return JSONResponse.make(ThresholdReport(threshold: observability.standardThreshold, source: "host"))
        }
    }

    struct ThresholdReport: Encodable {
        let threshold: ErrorThreshold
        /// `addon` (set for this addon) or `host` (`BERTH_ERROR_THRESHOLD`).
        let source: String
    }

    /// The answer of `GET /api/v1/addons/{id}`.
    func addonDetail(_ id: String) async throws -> AddonDetail {
        let summary = try await manager.addon(id)
        let observability = observability
        let current = observability?.table?.addonFigures()[id] ?? AddonFigures()
        let readings = observability?.history.readings() ?? []
        let health = try await manager.healthScore(of: id, current: current, readings: readings)
        let standard = observability?.standardThreshold ?? .standard
        return AddonDetail(summary: summary, health: health, errorThreshold: (try? await manager.errorThreshold(of: id, standard: standard).threshold) ?? standard)
    }

    static func metricsReport(of id: String, table: SeriesTable, observability: HostObservability, now: Double = Date().timeIntervalSince1970) -> MetricsReport {
        let current = table.addonFigures()[id] ?? AddonFigures()
        let readings = observability.history.readings()
        func window(_ seconds: Double) -> WindowReport {
            let (figures, covered) = MetricsHistory.window(seconds, current: current, of: id, in: readings, now: now)
            return WindowReport(figures, seconds: covered)
        }
        let last = AddonLogFile(home: observability.home, id: id).lines(level: .error, limit: 1).last
        return MetricsReport(
            addon: id,
            windows: .init(oneMinute: window(60), fifteenMinutes: window(900), sinceStart: WindowReport(current, seconds: nil)),
            inFlight: observability.processes?.inFlight(in: table)["addon=\"\(Exposition.escape(id))\""] ?? 0,
            lastError: last.map { .init(time: $0.time, message: $0.message, requestID: $0.requestID, route: $0.route) }
        )
    }
}
