import PluginAPI

/// The analytics fan-out: every listed provider gets each event; one failing does not stop the others.
struct AnalyticsFanOut: AnalyticsTracker {
    let registry: SlotRegistry

    func track(_ event: AnalyticsEvent) async {
        await trackReporting(event)
    }

    func identify(userID: String, traits: [String: JSONValue]) async {
        await registry.fanOut(.analytics, as: (any AnalyticsTracker).self) { provider in
            if let checked = provider as? any CheckedAnalyticsTracker { try await checked.deliverIdentify(userID: userID, traits: traits) } else { await provider.identify(userID: userID, traits: traits) }
        }
    }

    /// Tracks `event` and returns each provider's failure by name.
    @discardableResult
    func trackReporting(_ event: AnalyticsEvent) async -> [String: String] {
        await registry.fanOut(.analytics, as: (any AnalyticsTracker).self) { provider in
            if let checked = provider as? any CheckedAnalyticsTracker { try await checked.deliver(event) } else { await provider.track(event) }
        }
    }
}

/// The monitoring fan-out: every listed provider gets each capture.
struct MonitoringFanOut: ErrorMonitor {
    let registry: SlotRegistry

    func capture(error: any Error, context: MonitoringContext) async {
        let message = ProviderError.describe(error)
        await registry.fanOut(.monitoring, as: (any ErrorMonitor).self) { provider in
            if let checked = provider as? any CheckedErrorMonitor { try await checked.deliver(message: message, level: .error, context: context) } else { await provider.capture(error: error, context: context) }
        }
    }

    func capture(message: String, level: LogLevel, context: MonitoringContext) async {
        await captureReporting(message: message, level: level, context: context)
    }

    /// Captures `message` and returns each provider's failure by name.
    @discardableResult
    func captureReporting(message: String, level: LogLevel, context: MonitoringContext) async -> [String: String] {
        await registry.fanOut(.monitoring, as: (any ErrorMonitor).self) { provider in
            if let checked = provider as? any CheckedErrorMonitor { try await checked.deliver(message: message, level: level, context: context) } else { await provider.capture(message: message, level: level, context: context) }
        }
    }
}
