import BerthMetrics
import PluginAPI

/// An addon's health from 0 (out of service) to 100, with the reasons for every point taken off:
/// its share of 5xx answers, crashes, timeouts and latency over the last 5 minutes, its scheduled
/// jobs failing in a row, and its own ``Addon/health(_:)`` verdict.
struct HealthScore: Encodable, Sendable, Equatable {
    /// One reason the score is below 100.
    struct Reason: Encodable, Sendable, Equatable {
        /// A stable name: `inactive`, `quarantined`, `error_threshold_exceeded`, `error_rate`,
        /// `crashes`, `timeouts`, `latency`, `failed_jobs`, `degraded`, `unhealthy`,
        /// `health_check_timeout`.
        let code: String
        /// For people.
        let message: String
        /// Points taken off.
        let penalty: Int
    }

    /// 0…100.
    let score: Int
    /// `healthy` (80 and up), `degraded` (50 and up) or `unhealthy`.
    let status: String
    /// Why points were taken off, largest first.
    let reasons: [Reason]
    /// The seconds the figures cover (shorter right after the host started).
    let windowSeconds: Int

    /// The window the score looks at.
    static let window: Double = 300

    /// What the score is computed from.
    struct Inputs {
        var active = true
        var quarantine: Quarantine?
        var figures = AddonFigures()
        var windowSeconds: Double = HealthScore.window
        var jobFailures: [String: Int] = [:]
        var own: HealthChecks.Answer?
        /// The handler timeout, against which latency is judged.
        var handlerTimeout: Double = 30
    }

    init(_ inputs: Inputs) {
        var reasons: [Reason] = []
        func take(_ code: String, _ penalty: Int, _ message: String) {
            if penalty > 0 { reasons.append(Reason(code: code, message: message, penalty: penalty)) }
        }
        if let quarantine = inputs.quarantine {
            take(quarantine.cause ?? "quarantined", 100, quarantine.reason)
        } else if !inputs.active {
            take("inactive", 100, "the addon is deactivated")
        }
        let figures = inputs.figures
        let span = Int(inputs.windowSeconds.rounded())
        if figures.requests >= 10, figures.serverErrors > 0 {
            let percent = figures.errorRate * 100
            take("error_rate", min(50, Int((percent * 0.8).rounded(.up))), "\(figures.serverErrors) of \(figures.requests) requests (\(Self.format(percent)) %) answered 5xx in the last \(span) s")
        }
        if figures.crashes > 0 {
            take("crashes", min(40, Int(figures.crashes) * 20), "\(figures.crashes) handler crashes in the last \(span) s")
        }
        if figures.timeouts > 0 {
            take("timeouts", min(30, Int(figures.timeouts) * 10), "\(figures.timeouts) handlers overran their deadline in the last \(span) s")
        }
        if let p95 = figures.quantileSeconds(0.95), figures.timed >= 10 {
            let share = p95 / max(0.001, inputs.handlerTimeout)
            let penalty = share >= 0.5 ? 20 : share >= 0.1 ? 10 : p95 >= 1 ? 5 : 0
            take("latency", penalty, "95 % of requests answered within \(Self.format(p95 * 1000)) ms (handler timeout \(Self.format(inputs.handlerTimeout)) s)")
        }
        let failing = inputs.jobFailures.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        if !failing.isEmpty {
            let worst = failing.map(\.value).max() ?? 0
            take("failed_jobs", min(30, worst * 10), failing.map { "job \($0.key) failed \($0.value) times in a row" }.joined(separator: "; "))
        }
        if let own = inputs.own {
            switch own.health?.status {
            case nil: take("health_check_timeout", 20, "health() did not answer within \(HealthChecks.deadline)")
            case .healthy?: break
            case .degraded?: take("degraded", 15, own.health?.message ?? "the addon reports itself degraded")
            case .unhealthy?: take("unhealthy", 40, own.health?.message ?? "the addon reports itself unhealthy")
            @unknown default: take("unhealthy", 40, own.health?.message ?? "the addon reports an unknown status")
            }
        }
        reasons.sort { $0.penalty > $1.penalty }
        score = max(0, 100 - reasons.reduce(0) { $0 + $1.penalty })
        status = score >= 80 ? "healthy" : score >= 50 ? "degraded" : "unhealthy"
        self.reasons = reasons
        windowSeconds = span
    }

    private static func format(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }
}

import Foundation
