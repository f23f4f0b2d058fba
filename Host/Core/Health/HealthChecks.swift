import Foundation
import PluginAPI

/// Where the health score reads an addon's scheduled jobs: each job's consecutive failures.
/// The jobs engine implements it and hands it to ``AddonManager/setJobHealthSource(_:)``.
public protocol JobHealthSource: Sendable {
    /// How many times in a row each job of `addon` failed (by job name; 0 or absent: its last run
    /// succeeded).
    func consecutiveFailures(of addon: String) async -> [String: Int]
}

/// What this process's addons answered to their own ``Addon/health(_:)`` last, kept by the
/// ``AddonManager``.
struct HealthChecks: Sendable {
    /// One answer.
    struct Answer: Sendable {
        /// The verdict; nil if the addon did not answer within the deadline.
        var health: AddonHealth?
        /// When it was asked.
        var at: Date
    }

    /// How often each addon is asked: `BERTH_HEALTH_INTERVAL` seconds (1…3600, default 30).
    static let interval: Duration = interval(in: ProcessInfo.processInfo.environment) ?? .seconds(30)

    /// The interval `environment` sets, nil when unset; a malformed value is refused at start.
    static func interval(in environment: [String: String]) -> Duration? {
        guard let text = environment["BERTH_HEALTH_INTERVAL"], !text.isEmpty else { return nil }
        guard let seconds = Int(text), (1 ... 3600).contains(seconds) else { return nil }
        return .seconds(seconds)
    }

    /// Refuses a malformed `BERTH_HEALTH_INTERVAL`.
    static func validate(_ environment: [String: String]) throws {
        guard let text = environment["BERTH_HEALTH_INTERVAL"], !text.isEmpty, interval(in: environment) == nil else { return }
        throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_HEALTH_INTERVAL=\(text.prefix(20)) must be a number of seconds from 1 to 3600")
    }
    /// How long an answer may take.
    static let deadline: Duration = .seconds(2)

    var answers: [String: Answer] = [:]
    /// Addons whose `health()` was called and has not returned.
    var asking: Set<String> = []
    /// When this process started (seconds since 1970): the figures of a young host cover less.
    let startedAt = Date().timeIntervalSince1970
    var jobs: (any JobHealthSource)?

    mutating func forget(_ id: String) {
        answers[id] = nil
        asking.remove(id)
    }
}
