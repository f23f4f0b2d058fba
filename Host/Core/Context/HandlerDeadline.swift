import Foundation

/// How far a request's ``PluginAPI/RequestContext/deadline`` lies from its start: the handler
/// timeout the worker enforces (`BERTH_HANDLER_TIMEOUT`, seconds, decimals allowed, default 30).
enum HandlerDeadline {
    /// The timeout of this process, read once.
    static let timeout: Duration = timeout(in: ProcessInfo.processInfo.environment)

    /// The timeout `environment` sets; the default when it is unset or not a positive number (the
    /// worker refuses such a value at start, so this only matters in tests).
    static func timeout(in environment: [String: String]) -> Duration {
        guard let text = environment["BERTH_HANDLER_TIMEOUT"], let seconds = Double(text), seconds.isFinite, seconds > 0 else {
            return .seconds(30)
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
