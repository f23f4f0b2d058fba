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

    /// How often each addon is asked.
    static let interval: Duration = .seconds(30)
    /// How long an answer may take.
    static let deadline: Duration = .seconds(2)

    var answers: [String: Answer] = [:]
    /// When this process started (seconds since 1970): the figures of a young host cover less.
    let startedAt = Date().timeIntervalSince1970
    var jobs: (any JobHealthSource)?

    mutating func forget(_ id: String) {
        answers[id] = nil
    }
}
