import Foundation
import Testing
@testable import BerthJobs

struct CronScheduleTests {
    /// `yyyy-MM-dd HH:mm:ss` in `zone`.
    func date(_ text: String, _ zone: String = "UTC") -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)!
    }

    func runs(_ expression: String, zone: String = "UTC", after start: String, count: Int) throws -> [Date] {
        let schedule = try CronSchedule(expression, timeZone: zone)
        var times: [Date] = []
        var cursor = date(start, zone)
        for _ in 0 ..< count {
            guard let next = schedule.next(after: cursor) else { break }
            times.append(next)
            cursor = next
        }
        return times
    }

    @Test func everyFifteenMinutesDuringOfficeHoursOnWeekdays() throws {
        let times = try runs("*/15 9-17 * * MON-FRI", after: "2026-12-04 17:40:00", count: 3) // a Friday
        #expect(times == [date("2026-12-04 17:45:00"), date("2026-12-07 09:00:00"), date("2026-12-07 09:15:00")])
    }

    @Test func macrosExpandToTheirSchedules() throws {
        #expect(try runs("@hourly", after: "2026-12-02 10:59:59", count: 1) == [date("2026-12-02 11:00:00")])
        #expect(try runs("@daily", after: "2026-12-02 10:00:00", count: 1) == [date("2026-12-03 00:00:00")])
        #expect(try runs("@weekly", after: "2026-12-02 10:00:00", count: 1) == [date("2026-12-06 00:00:00")])
        #expect(try runs("@monthly", after: "2026-12-02 10:00:00", count: 1) == [date("2027-01-01 00:00:00")])
        #expect(try runs("@yearly", after: "2026-12-02 10:00:00", count: 1) == [date("2027-01-01 00:00:00")])
    }

    @Test func aSixthLeadingFieldCountsSeconds() throws {
        #expect(try runs("*/20 * * * * *", after: "2026-12-02 10:00:05", count: 3) == [date("2026-12-02 10:00:20"), date("2026-12-02 10:00:40"), date("2026-12-02 10:01:00")])
    }

    @Test func dayOfMonthAndDayOfWeekTogetherFireOnEither() throws {
        // The 13th, or any Friday.
        let times = try runs("0 0 13 * FRI", after: "2026-11-01 00:00:00", count: 4)
        #expect(times == [date("2026-11-06 00:00:00"), date("2026-11-13 00:00:00"), date("2026-11-20 00:00:00"), date("2026-11-27 00:00:00")])
    }

    @Test func theLeapDayFiresEveryFourYearsAndAnImpossibleDayNever() throws {
        #expect(try runs("0 12 29 2 *", after: "2026-12-02 00:00:00", count: 1) == [date("2028-02-29 12:00:00")])
        #expect(try CronSchedule("0 0 30 2 *").next(after: date("2026-01-01 00:00:00")) == nil)
    }

    @Test func wallClockTimesFollowTheZoneAcrossDaylightSaving() throws {
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
        let winter = try runs("0 9 * * *", zone: "Europe/Berlin", after: "2027-03-26 10:00:00", count: 2)
        #expect(winter == [date("2027-03-27 09:00:00", "Europe/Berlin"), date("2027-03-28 09:00:00", "Europe/Berlin")])
        #expect(winter[1].timeIntervalSince(winter[0]) == 23 * 3600)
        // 02:30 does not exist on 2027-03-28 in Berlin: it runs once, after the change.
        let skipped = try runs("30 2 * * *", zone: "Europe/Berlin", after: "2027-03-27 03:00:00", count: 2)
        #expect(skipped.count == 2)
        #expect(skipped[0] == date("2027-03-28 03:30:00", "Europe/Berlin"))
        #expect(skipped[1] == date("2027-03-29 02:30:00", "Europe/Berlin"))
        // 02:30 occurs twice on 2027-10-31: it runs once.
        let doubled = try runs("30 2 * * *", zone: "Europe/Berlin", after: "2027-10-30 12:00:00", count: 2)
        #expect(doubled[1].timeIntervalSince(doubled[0]) == 25 * 3600)
        // A schedule with every hour runs in both passes of the repeated hour.
        let hourly = try runs("30 * * * *", zone: "Europe/Berlin", after: "2027-10-31 01:00:00", count: 3)
        #expect(hourly.map { $0.timeIntervalSince(hourly[0]) } == [0, 3600, 7200])
    }

    @Test(arguments: [
        ("* * * *", "5 fields"), ("60 * * * *", "minute"), ("* 24 * * *", "hour"), ("* * 0 * *", "day-of-month"),
        ("* * * 13 *", "month"), ("* * * * 8", "day-of-week"), ("*/0 * * * *", "step"), ("5-1 * * * *", "backwards"),
        ("* * * FOO *", "month"), ("@often", "macro"), ("1,,2 * * * *", "empty"),
    ])
    func badExpressionsNameTheFieldAndTheProblem(_ expression: String, _ mention: String) {
        let error = #expect(throws: CronError.self) { try CronSchedule(expression) }
        #expect(error?.code == "invalid_schedule")
        #expect(error?.message.contains(mention) == true, "\(String(describing: error))")
    }

    @Test func anUnknownTimeZoneIsRefusedByName() {
        let error = #expect(throws: CronError.self) { try CronSchedule("@daily", timeZone: "Mars/Olympus") }
        #expect(error?.code == "unknown_time_zone")
        #expect(error?.message.contains("Mars/Olympus") == true)
    }

    @Test func sundayIsBothZeroAndSeven() throws {
        #expect(try runs("0 0 * * 7", after: "2026-12-02 00:00:00", count: 1) == runs("0 0 * * 0", after: "2026-12-02 00:00:00", count: 1))
    }
}
