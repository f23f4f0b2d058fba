import Foundation
import Testing
@testable import BerthMetrics

struct AddonFiguresTests {
    @Test func everyDurationFallsInTheBucketOfTheFirstBoundAtOrAboveIt() {
        for (index, bound) in SeriesTable.bucketBounds.enumerated() {
            let nanoseconds = UInt64((bound * 1e9).rounded())
            #expect(SeriesSlot.bucket(nanoseconds: nanoseconds) == index, "\(bound) s")
            #expect(SeriesSlot.bucket(nanoseconds: nanoseconds + 1) == index + 1, "just past \(bound) s")
        }
        #expect(SeriesSlot.bucket(nanoseconds: 0) == 0)
        #expect(SeriesSlot.bucket(nanoseconds: 60_000_000_000) == SeriesTable.bucketCount)
    }

    @Test func anAddonsFiguresSumItsRoutesAndCountOnly5xxAsErrors() throws {
        let path = SeriesTableTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SeriesTable(path: path, capacity: 64)
        let list = RouteRecorder(table: table, addon: "shop", route: "/shop/items", method: "GET")
        let order = RouteRecorder(table: table, addon: "shop", route: "/shop/orders", method: "POST")
        for _ in 0 ..< 6 { list.record(status: 200, nanoseconds: 2_000_000) }
        for _ in 0 ..< 2 { order.record(status: 500, nanoseconds: 20_000_000) }
        order.record(status: 404, nanoseconds: 1_000_000)
        RouteRecorder(table: table, addon: "other", route: "/other", method: "GET").record(status: 503, nanoseconds: 1)
        table.count(.handlerCrashes, ["addon": "shop"])

        let shop = try #require(table.addonFigures()["shop"])
        #expect(shop.requests == 9)
        #expect(shop.serverErrors == 2)
        #expect(shop.crashes == 1)
        #expect(shop.timed == 9)
        #expect(shop.durationNanoseconds == 6 * 2_000_000 + 2 * 20_000_000 + 1_000_000)
        // Six of nine at 2 ms (bucket ≤ 2.5 ms), the median among them; the slowest 2 at 20 ms.
        let median = try #require(shop.quantileSeconds(0.5))
        #expect(median > 0.001 && median <= 0.0025)
        let p99 = try #require(shop.quantileSeconds(0.99))
        #expect(p99 > 0.01 && p99 <= 0.025)
        #expect(table.addonFigures()["other"]?.serverErrors == 1)
    }

    @Test func aWindowIsTheDifferenceFromTheReadingAtItsStart() {
        var early = AddonFigures()
        early.requests = 100
        early.serverErrors = 10
        var late = early
        late.requests = 160
        late.serverErrors = 40
        let readings = [
            MetricsHistory.Reading(time: 1000, addons: ["a": early]),
            MetricsHistory.Reading(time: 1050, addons: ["a": late]),
        ]
        var now = late
        now.requests = 170
        now.serverErrors = 45
        let minute = MetricsHistory.window(60, current: now, of: "a", in: readings, now: 1065)
        #expect(minute.figures.requests == 70, "since the reading at 1000, the newest at least 60 s old")
        #expect(minute.figures.serverErrors == 35)
        #expect(minute.seconds == 65)
        let short = MetricsHistory.window(10, current: now, of: "a", in: readings, now: 1065)
        #expect(short.figures.requests == 10)
        let unknown = MetricsHistory.window(60, current: now, of: "new", in: readings, now: 1065)
        #expect(unknown.figures.requests == 170, "an addon absent from the reading started from zero")
    }

    @Test func labelValuesAreReadBackUnescaped() {
        let text = Exposition.labels(["addon": #"we"ird\name"#, "code": "500"])
        #expect(SeriesTable.label("addon", in: text) == #"we"ird\name"#)
        #expect(SeriesTable.label("code", in: text) == "500")
        #expect(SeriesTable.label("route", in: text) == nil)
    }

    @Test func theHistoryKeepsOneReadingPerIntervalAndDropsOldOnes() throws {
        let folder = SeriesTableTests.temporaryPath()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let table = try SeriesTable(path: folder + "/metrics", capacity: 16)
        let history = MetricsHistory(path: folder + "/history.json")
        history.record(table, now: 10_000)
        history.record(table, now: 10_005)
        #expect(history.readings().count == 1, "a reading is taken every \(MetricsHistory.interval) s")
        history.record(table, now: 10_010)
        #expect(history.readings().count == 2)
        history.record(table, now: 10_000 + MetricsHistory.span + 11)
        #expect(history.readings().map(\.time) == [10_000 + MetricsHistory.span + 11])
    }
}
