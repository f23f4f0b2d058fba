import BerthMetrics
import Foundation
import PluginAPI
import Testing
@testable import BerthCore

struct HealthScoreTests {
    @Test func aQuietHealthyAddonScores100WithNoReasons() {
        let score = HealthScore(.init())
        #expect(score.score == 100)
        #expect(score.status == "healthy")
        #expect(score.reasons.isEmpty)
    }

    @Test func errorsCrashesTimeoutsAndTheAddonsOwnVerdictEachTakePointsOffWithAReason() {
        var inputs = HealthScore.Inputs()
        inputs.figures.requests = 200
        inputs.figures.serverErrors = 50
        inputs.figures.crashes = 1
        inputs.figures.timeouts = 2
        inputs.own = HealthChecks.Answer(health: .degraded("the payment API answers slowly"), at: Date())
        inputs.jobFailures = ["digest": 3, "cleanup": 0]
        let score = HealthScore(inputs)
        let codes = Set(score.reasons.map(\.code))
        #expect(codes == ["error_rate", "crashes", "timeouts", "degraded", "failed_jobs"])
        #expect(score.score == max(0, 100 - score.reasons.reduce(0) { $0 + $1.penalty }))
        #expect(score.score < 50 && score.status == "unhealthy")
        #expect(score.reasons.first { $0.code == "error_rate" }?.message.contains("50 of 200") == true)
        #expect(score.reasons.first { $0.code == "degraded" }?.message == "the payment API answers slowly")
        #expect(score.reasons.first { $0.code == "failed_jobs" }?.message == "job digest failed 3 times in a row")
    }

    @Test func aDeactivatedAddonScoresZeroNamingTheThresholdItPassed() {
        var inputs = HealthScore.Inputs()
        inputs.active = false
        inputs.quarantine = Quarantine(reason: "60 of 100 requests answered 5xx", crashes: 0, at: "now", cause: ErrorThresholdWatch.event)
        let score = HealthScore(inputs)
        #expect(score.score == 0)
        #expect(score.reasons.first?.code == "error_threshold_exceeded")
    }

    @Test func aHealthCheckThatDidNotAnswerCounts() {
        var inputs = HealthScore.Inputs()
        inputs.own = HealthChecks.Answer(health: nil, at: Date())
        #expect(HealthScore(inputs).reasons.map(\.code) == ["health_check_timeout"])
    }

    @Test func theThresholdSettingParsesAndRefusesNonsense() throws {
        #expect(try ErrorThreshold.host(environment: [:]) == .standard)
        #expect(try ErrorThreshold.host(environment: ["BERTH_ERROR_THRESHOLD": "off"]).enabled == false)
        let custom = try ErrorThreshold.host(environment: ["BERTH_ERROR_THRESHOLD": "0.2/50/60"])
        #expect(custom.ratio == 0.2 && custom.minimumRequests == 50 && custom.windowSeconds == 60)
        for bad in ["half", "0.5/100", "2/100/300", "0.5/0/300", "0.5/100/5"] {
            #expect(throws: BerthError.self, "\(bad)") { try ErrorThreshold.host(environment: ["BERTH_ERROR_THRESHOLD": bad]) }
        }
        var figures = AddonFigures()
        figures.requests = 100
        figures.serverErrors = 51
        #expect(ErrorThreshold.standard.isExceeded(by: figures))
        figures.serverErrors = 50
        #expect(!ErrorThreshold.standard.isExceeded(by: figures), "more than the ratio, not equal to it")
        figures.requests = 99
        figures.serverErrors = 99
        #expect(!ErrorThreshold.standard.isExceeded(by: figures), "too few requests to judge")
    }

    @Test func anAddonNamedByTheWatchIsJudgedAfterwardsOnlyOnNewRequests() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let table = try SeriesTable(path: folder + "/metrics", capacity: 64)
        let watch = ErrorThresholdWatch(table: table, history: MetricsHistory(path: folder + "/history.json"))
        let recorder = RouteRecorder(table: table, addon: "flaky", route: "/flaky", method: "GET")
        let threshold = ErrorThreshold(enabled: true, ratio: 0.5, minimumRequests: 10, windowSeconds: 60)
        for _ in 0 ..< 12 { recorder.record(status: 500, nanoseconds: 1000) }
        let named = watch.check(thresholds: ["flaky": threshold], now: 1000)
        #expect(named.map(\.id) == ["flaky"])
        #expect(named.first?.reason.contains("12 of 12 requests") == true)
        watch.deactivated("flaky", now: 1000)
        // Activated again: a few good requests, and the window no longer holds the old failures.
        for _ in 0 ..< 12 { recorder.record(status: 200, nanoseconds: 1000) }
        #expect(watch.check(thresholds: ["flaky": threshold], now: 1001).isEmpty)
        #expect(table.render(.prometheus).contains(#"berth_addon_error_threshold_deactivations_total{addon="flaky"} 1"#))
    }
}
