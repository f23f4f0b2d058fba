import BerthMetrics
import Foundation

/// Run once a second by the process that keeps the metrics history (the supervisor, or the
/// single-process host): takes a reading for the history when one is due and names the active
/// addons whose share of 5xx answers passed their error threshold.
///
/// An addon it named is judged afterwards only on requests counted after that moment, so that
/// activating it again starts from a clean window.
public final class ErrorThresholdWatch: Sendable {
    /// The lifecycle event (audit entry) of a deactivation, and the quarantine's cause.
    public static let event = "error_threshold_exceeded"

    let table: SeriesTable
    let history: MetricsHistory
    private let baselines = Mutex<[String: (time: Double, figures: AddonFigures)]>([:])

    /// Watches `table`, keeping its history in `history`.
    public init(table: SeriesTable, history: MetricsHistory) {
        self.table = table
        self.history = history
    }

    /// One pass at `now`: records a reading if due, then checks `thresholds` (by active addon).
    /// - Returns: the addons to deactivate, each with the reason to record.
    public func check(thresholds: [String: ErrorThreshold], now: Double = Date().timeIntervalSince1970) -> [(id: String, reason: String)] {
        let readings = history.record(table, now: now)
        let current = table.addonFigures()
        var exceeded: [(String, String)] = []
        for (id, threshold) in thresholds.sorted(by: { $0.key < $1.key }) where threshold.enabled {
            let figures = current[id] ?? AddonFigures()
            var (window, seconds) = MetricsHistory.window(Double(threshold.windowSeconds), current: figures, of: id, in: readings, now: now)
            if let baseline = baselines.withLock({ $0[id] }), now - baseline.time < (seconds ?? .infinity) {
                window = figures.since(baseline.figures)
                seconds = now - baseline.time
            }
            guard threshold.isExceeded(by: window) else { continue }
            exceeded.append((id, threshold.reason(for: window, seconds: seconds)))
        }
        return exceeded
    }

    /// Records that `id` was deactivated now: its later windows start here.
    public func deactivated(_ id: String, now: Double = Date().timeIntervalSince1970) {
        let figures = table.addonFigures()[id] ?? AddonFigures()
        baselines.withLock { $0[id] = (now, figures) }
        table.count(.errorThresholdDeactivations, ["addon": id])
    }
}

import Synchronization
