/// An analytics provider that can say a delivery failed: the host's fan-out calls these methods
/// instead of ``AnalyticsTracker/track(_:)`` and ``AnalyticsTracker/identify(userID:traits:)``,
/// and logs and reports (in `GET /api/v1/providers`) each failure under the provider's name. A
/// provider implementing only ``AnalyticsTracker`` is counted as delivered.
///
/// Added in PluginAPI 1.2.0.
public protocol CheckedAnalyticsTracker: AnalyticsTracker {
    /// Records `event`, throwing when it could not.
    func deliver(_ event: AnalyticsEvent) async throws
    /// Attaches `traits` to `userID`, throwing when it could not.
    func deliverIdentify(userID: String, traits: [String: JSONValue]) async throws
}

/// A monitoring provider that can say a delivery failed; see ``CheckedAnalyticsTracker``.
///
/// Added in PluginAPI 1.2.0.
public protocol CheckedErrorMonitor: ErrorMonitor {
    /// Reports `message`, throwing when it could not.
    func deliver(message: String, level: LogLevel, context: MonitoringContext) async throws
}
