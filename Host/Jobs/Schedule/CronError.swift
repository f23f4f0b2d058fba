/// A cron expression or time zone that cannot be used, with the field and the reason.
public struct CronError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: String {
        case invalidExpression = "invalid_schedule"
        case unknownTimeZone = "unknown_time_zone"
    }

    private let kind: Code
    /// A stable code: `invalid_schedule` or `unknown_time_zone`.
    public var code: String { kind.rawValue }
    /// What is wrong, naming the field (e.g. "the hour field: 24 is out of 0–23").
    public let message: String

    static func invalid(_ message: String) -> CronError { CronError(kind: .invalidExpression, message: message) }
    static func unknownTimeZone(_ name: String) -> CronError {
        CronError(kind: .unknownTimeZone, message: "'\(name.prefix(64))' is not a time zone of the system's tz database (e.g. UTC, Europe/Berlin, America/New_York)")
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
