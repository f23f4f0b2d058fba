import Foundation

/// The console's settings from the environment.
struct ConsoleSettings: Sendable {
    /// `BERTH_CONSOLE_SESSION_SECONDS` (default 8 hours): how long a console sign-in lasts.
    let sessionLifetime: Double

    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let text = environment["BERTH_CONSOLE_SESSION_SECONDS"], !text.isEmpty else {
            sessionLifetime = 8 * 3600
            return
        }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_CONSOLE_SESSION_SECONDS=\(text) must be a positive number of seconds")
        }
        sessionLifetime = seconds
    }
}
