import Dispatch
import Foundation
import Testing
@testable import BerthMetrics

struct SeriesTableTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)").path
    }

    @Test func requestsCountedInTwoMappingsAddUpInOneScrape() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Two mappings of one file behave as two worker processes do.
        let workers = [try SeriesTable(path: path, capacity: 256), try SeriesTable(path: path, capacity: 256)]
        let recorders = workers.map { RouteRecorder(table: $0, addon: "greeter", route: "/api/v1/greet/:name", method: "GET") }
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0 ..< 1000 {
                recorders[thread % 2].record(status: index % 10 == 0 ? 404 : 200, nanoseconds: 300_000)
            }
        }
        let text = workers[0].render(.prometheus)
        #expect(text.contains(#"berth_http_requests_total{addon="greeter",route="/api/v1/greet/:name",method="GET",code="200"} 7200"#))
        #expect(text.contains(#"berth_http_requests_total{addon="greeter",route="/api/v1/greet/:name",method="GET",code="404"} 800"#))
        #expect(text.contains(#"berth_http_request_duration_seconds_bucket{addon="greeter",route="/api/v1/greet/:name",method="GET",le="0.0005"} 8000"#))
        #expect(text.contains(#"berth_http_request_duration_seconds_count{addon="greeter",route="/api/v1/greet/:name",method="GET"} 8000"#))
        #expect(text.contains("# TYPE berth_http_requests_total counter"))
        #expect(text.contains("# TYPE berth_http_request_duration_seconds histogram"))
    }

    @Test func histogramBucketsAreCumulativeAndTheSumIsInSeconds() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SeriesTable(path: path, capacity: 16)
        let recorder = RouteRecorder(table: table, addon: "a", route: "/x", method: "POST")
        recorder.record(status: 201, nanoseconds: 2_000_000) // 2 ms
        recorder.record(status: 201, nanoseconds: 20_000_000_000) // 20 s, past the last bound
        let text = table.render(.prometheus)
        #expect(text.contains(#"le="0.001"} 0"#))
        #expect(text.contains(#"le="0.0025"} 1"#))
        #expect(text.contains(#"le="10"} 1"#))
        #expect(text.contains(#"le="+Inf"} 2"#))
        #expect(text.contains(#"berth_http_request_duration_seconds_sum{addon="a",route="/x",method="POST"} 20.002"#))
    }

    @Test func openMetricsNamesCountersWithoutTotalInMetadataAndEndsWithEOF() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SeriesTable(path: path, capacity: 16)
        RouteRecorder(table: table, addon: "a", route: "/x", method: "GET").record(status: 200, nanoseconds: 1)
        let text = table.render(.openMetrics)
        #expect(text.contains("# TYPE berth_http_requests counter\n"))
        #expect(text.contains("berth_http_requests_total{"))
        #expect(text.hasSuffix("# EOF\n"))
        #expect(Exposition.Format.negotiated(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5") == .openMetrics)
        #expect(Exposition.Format.negotiated(accept: "*/*") == .prometheus)
    }

    @Test func labelValuesAreEscaped() {
        #expect(Exposition.labels(["route": "/a\"b\\c\nd"]) == #"route="/a\"b\\c\nd""#)
    }

    @Test func aFullTableDropsNewSeriesAndSaysHowMany() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SeriesTable(path: path, capacity: 4)
        for index in 0 ..< 10 {
            table.series(family: MetricFamily.handlerCrashes.rawValue, labels: "addon=\"a\(index)\"")?.add()
        }
        let text = table.render(.prometheus)
        #expect(text.components(separatedBy: "berth_handler_crashes_total{").count - 1 == 4)
        #expect(text.contains("berth_metrics_series_dropped_total 6"))
    }

    @Test func gaugesGoDownAsWellAsUp() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SeriesTable(path: path, capacity: 16)
        let gauge = try #require(table.series(family: MetricFamily.workers.rawValue, labels: ""))
        gauge.add(3)
        gauge.subtract()
        #expect(table.render(.prometheus).contains("berth_workers 2\n"), "a gauge without labels has no braces")
    }

    @Test func countsOfEveryWidthAreWrittenInFullDecimalDigits() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try SeriesTable(path: path, capacity: 16)
        for (addon, amount) in [("zero", UInt64(0)), ("nine", 9), ("ten", 10), ("wide", 18_446_744_073_709_551_615)] {
            table.series(family: MetricFamily.handlerTimeouts.rawValue, labels: "addon=\"\(addon)\"")?.add(amount)
        }
        let text = table.render(.prometheus)
        #expect(text.contains(#"berth_handler_timeouts_total{addon="zero"} 0"# + "\n"))
        #expect(text.contains(#"berth_handler_timeouts_total{addon="nine"} 9"# + "\n"))
        #expect(text.contains(#"berth_handler_timeouts_total{addon="ten"} 10"# + "\n"))
        #expect(text.contains(#"berth_handler_timeouts_total{addon="wide"} 18446744073709551615"# + "\n"))
        #expect(table.renderBytes(.prometheus) == Array(text.utf8))
    }
}
