import BerthMetrics

/// When an addon answers too many requests with 5xx it is deactivated, like an addon that keeps
/// crashing is quarantined: more than ``ratio`` of at least ``minimumRequests`` requests within
/// ``windowSeconds``. The host's default comes from `BERTH_ERROR_THRESHOLD`; an admin sets one
/// addon's with `PUT /api/v1/addons/{id}/error-threshold`.
public struct ErrorThreshold: Codable, Sendable, Hashable {
    /// Whether the threshold deactivates the addon at all.
    public var enabled: Bool
    /// The share of 5xx answers (0…1) that must be passed.
    public var ratio: Double
    /// The fewest requests in the window before the share counts.
    public var minimumRequests: Int
    /// The window, in seconds (10…900: the metrics history holds 15 minutes).
    public var windowSeconds: Int

    enum CodingKeys: String, CodingKey {
        case enabled, ratio
        case minimumRequests = "minimum_requests"
        case windowSeconds = "window_seconds"
    }

    /// The default: more than 50 % 5xx over at least 100 requests in 5 minutes.
    public static let standard = ErrorThreshold(enabled: true, ratio: 0.5, minimumRequests: 100, windowSeconds: 300)

    /// Creates a threshold.
    public init(enabled: Bool, ratio: Double, minimumRequests: Int, windowSeconds: Int) {
        self.enabled = enabled
        self.ratio = ratio
        self.minimumRequests = minimumRequests
        self.windowSeconds = windowSeconds
    }

    /// The host's default from `BERTH_ERROR_THRESHOLD`: `off`, or `RATIO/REQUESTS/SECONDS`
    /// (e.g. `0.5/100/300`, the default).
    /// - Throws: ``BerthError`` (`invalid_setting`) naming the value.
    public static func host(environment: [String: String]) throws -> ErrorThreshold {
        guard let value = environment["BERTH_ERROR_THRESHOLD"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return .standard }
        if ["off", "0", "false", "no"].contains(value.lowercased()) {
            var off = standard
            off.enabled = false
            return off
        }
        let parts = value.split(separator: "/")
        guard parts.count == 3, let ratio = Double(parts[0]), let requests = Int(parts[1]), let seconds = Int(parts[2]) else {
            throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_ERROR_THRESHOLD=\(value.prefix(40)) must be off or RATIO/REQUESTS/SECONDS, e.g. 0.5/100/300")
        }
        let threshold = ErrorThreshold(enabled: true, ratio: ratio, minimumRequests: requests, windowSeconds: seconds)
        if let problem = threshold.problem {
            throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_ERROR_THRESHOLD=\(value.prefix(40)): \(problem)")
        }
        return threshold
    }

    /// What is wrong with the values, nil if they are usable.
    var problem: String? {
        if !(0 ..< 1).contains(ratio) { return "the ratio must be at least 0 and below 1" }
        if !(1 ... 1_000_000).contains(minimumRequests) { return "the minimum number of requests must be 1…1000000" }
        if !(10 ... 900).contains(windowSeconds) { return "the window must be 10…900 seconds" }
        return nil
    }

    /// Whether `figures` (of the window) pass the threshold.
    func isExceeded(by figures: AddonFigures) -> Bool {
        enabled && figures.requests >= UInt64(minimumRequests) && figures.errorRate > ratio
    }

    /// For the log, the audit entry and the admin API.
    func reason(for figures: AddonFigures, seconds: Double?) -> String {
        let share = Int((figures.errorRate * 100).rounded())
        let span = seconds.map { "\(Int($0.rounded())) s" } ?? "since the host started"
        return "\(figures.serverErrors) of \(figures.requests) requests (\(share) %) answered 5xx within \(span), past the threshold of \(Int((ratio * 100).rounded())) % over at least \(minimumRequests) requests in \(windowSeconds) s"
    }
}

import Foundation
