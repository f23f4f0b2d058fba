import Foundation

/// A cron expression in a time zone: when a job runs next.
///
/// Times are wall-clock times of the zone, so `0 9 * * *` in `Europe/Berlin` runs at 09:00 there
/// in summer and winter. Around daylight-saving changes: a time that does not exist (the skipped
/// hour) runs at the same wall-clock offset after the change (02:30 → 03:30), and a time that
/// occurs twice runs once, at its first occurrence.
public struct CronSchedule: Sendable, Hashable {
    /// The expression.
    public let expression: CronExpression
    /// The zone its times are read in.
    public let timeZone: TimeZone

    /// A schedule of `expression` in the tz-database zone `timeZone` (default `UTC`).
    /// - Throws: ``CronError`` for a bad expression or an unknown zone.
    public init(_ expression: String, timeZone: String = "UTC") throws(CronError) {
        self.expression = try CronExpression(expression)
        guard let zone = TimeZone(identifier: timeZone) else { throw .unknownTimeZone(timeZone) }
        self.timeZone = zone
    }

    /// The first time strictly after `date` at which the schedule fires, or nil if none comes
    /// within eight years (e.g. `0 0 30 2 *`, which never fires).
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let step: Calendar.Component = expression.hasSeconds ? .second : .minute
        var time = calendar.dateInterval(of: step, for: date)!.start
        time = calendar.date(byAdding: step, value: 1, to: time)!
        let limit = calendar.date(byAdding: .year, value: 8, to: date)!
        while time < limit {
            let parts = calendar.dateComponents([.month, .day, .weekday, .hour, .minute, .second], from: time)
            if !expression.month.contains(parts.month!) {
                time = start(of: .month, after: time, calendar)
            } else if !expression.matchesDay(parts.day!, weekday: parts.weekday! - 1) {
                time = start(of: .day, after: time, calendar)
            } else if !hourMatches(at: time, hour: parts.hour!, calendar) {
                time = start(of: .hour, after: time, calendar)
            } else if !expression.minute.contains(parts.minute!) {
                time = start(of: .minute, after: time, calendar)
            } else if !expression.second.contains(parts.second!) {
                time = start(of: .second, after: time, calendar)
            } else {
                return time
            }
        }
        return nil
    }

    /// Whether the hour `time` is in fires. For a schedule with fixed hours, the first hour after
    /// a skipped one (spring forward) also fires what the skipped hour would have, and the second
    /// pass of a repeated hour (fall back) fires nothing, so each fixed time runs once a day.
    private func hourMatches(at time: Date, hour: Int, _ calendar: Calendar) -> Bool {
        guard !expression.hour.isWildcard else { return true }
        let hourStart = calendar.dateInterval(of: .hour, for: time)!.start
        let previousHour = calendar.component(.hour, from: hourStart.addingTimeInterval(-3600))
        if previousHour == hour { return false }
        if expression.hour.contains(hour) { return true }
        // Hours between the previous one and this one were skipped by a change of offset.
        var skipped = (previousHour + 1) % 24
        while skipped != hour {
            if expression.hour.contains(skipped) { return true }
            skipped = (skipped + 1) % 24
        }
        return false
    }

    /// The start of the `component` unit following the one `time` is in.
    private func start(of component: Calendar.Component, after time: Date, _ calendar: Calendar) -> Date {
        let current = calendar.dateInterval(of: component, for: time)!
        return current.end
    }
}
