import Foundation

/// A cron schedule: five fields (minute, hour, day of month, month, day of week), or six with a
/// leading seconds field, or one of the macros `@yearly`/`@annually`, `@monthly`, `@weekly`,
/// `@daily`/`@midnight` and `@hourly`.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, and names for
/// months (`JAN`…`DEC`) and weekdays (`SUN`…`SAT`; 0 and 7 are both Sunday). As in Vixie cron,
/// when both day of month and day of week are restricted, a day matching either one fires.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    let second: CronField
    let minute: CronField
    let hour: CronField
    let dayOfMonth: CronField
    let month: CronField
    let dayOfWeek: CronField
    /// Whether the expression named seconds (six fields).
    public let hasSeconds: Bool
    /// The expression as written.
    public let description: String

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`.
    /// - Throws: ``CronError`` naming the field and the problem.
    public init(_ text: String) throws(CronError) {
        description = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw .invalid("'\(trimmed.prefix(20))' is not a macro (\(Self.macros.keys.sorted().joined(separator: ", ")))")
            }
            expanded = macro
        } else {
            expanded = trimmed
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 || fields.count == 6 else {
            throw .invalid("a schedule has 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; '\(text.prefix(80))' has \(fields.count)")
        }
        hasSeconds = fields.count == 6
        let offset = hasSeconds ? 1 : 0
        second = try hasSeconds ? CronField(fields[0], .second) : CronField("0", .second)
        minute = try CronField(fields[offset], .minute)
        hour = try CronField(fields[offset + 1], .hour)
        dayOfMonth = try CronField(fields[offset + 2], .dayOfMonth)
        month = try CronField(fields[offset + 3], .month)
        dayOfWeek = try CronField(fields[offset + 4], .dayOfWeek)
        guard (1 ... 31).contains(where: dayOfMonth.contains), (1 ... 12).contains(where: month.contains) else {
            throw .invalid("'\(text.prefix(80))' names no day")
        }
    }

    /// Whether the day `day` of a month, a `weekday` (0 = Sunday), fires.
    func matchesDay(_ day: Int, weekday: Int) -> Bool {
        switch (dayOfMonth.isWildcard, dayOfWeek.isWildcard) {
        case (true, true): true
        case (false, true): dayOfMonth.contains(day)
        case (true, false): dayOfWeek.contains(weekday)
        case (false, false): dayOfMonth.contains(day) || dayOfWeek.contains(weekday)
        }
    }
}
