/// How an addon judges its own health, answered by ``Addon/health(_:)``: the host folds it into
/// the addon's health score (`GET /api/v1/addons/{id}`), beside what it measures itself (error
/// rate, crashes, timeouts, latency).
public struct AddonHealth: Sendable, Hashable {
    /// The addon's verdict.
    public enum Status: String, Sendable, Hashable {
        /// Everything it depends on works.
        case healthy
        /// It serves, with something missing or slow (a dependency down, a queue backing up).
        case degraded
        /// It cannot do its work.
        case unhealthy
    }

    /// The verdict.
    public var status: Status
    /// Why, for the administrator (keep secrets out of it).
    public var message: String?

    /// Creates a report.
    public init(status: Status, message: String? = nil) {
        self.status = status
        self.message = message
    }

    /// Healthy, with no message: the default answer.
    public static let healthy = AddonHealth(status: .healthy)

    /// Degraded, saying why.
    public static func degraded(_ message: String) -> AddonHealth {
        AddonHealth(status: .degraded, message: message)
    }

    /// Unhealthy, saying why.
    public static func unhealthy(_ message: String) -> AddonHealth {
        AddonHealth(status: .unhealthy, message: message)
    }
}
