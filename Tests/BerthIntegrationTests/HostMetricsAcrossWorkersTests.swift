import BerthPackages
import BerthTestSupport
import Foundation
import Glibc
import Testing

/// The host-wide families of `/metrics` with a supervisor and two workers: crashes the supervisor
/// counts, timeouts and in-flight requests from the workers, lifecycle operations, the workers and
/// their generation, memory and connections; request counts kept across a generation roll; and the
/// error threshold that deactivates an addon.
struct HostMetricsAcrossWorkersTests {
    static func installContext(_ host: SupervisedHost) throws {
        try host.uploadAndInstall(try host.packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { $0.permissions = ["database"] }, id: "ctx")
    }

    /// The value of the sample whose line starts with `series` (name and labels), if any.
    static func sample(_ series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func crashesTimeoutsInFlightRequestsAndTheProcessGaugesCoverEveryWorker() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_HANDLER_TIMEOUT": "1"])
        defer { host.close() }
        try Self.installContext(host)
        try host.uploadAndInstall(try host.packages.make(id: "hang_fixture", product: "FixtureHangAddon", mountPrefix: "/api/v1/hang"), id: "hang_fixture")
        func scrape() throws -> String { try host.admin.send("GET", "/metrics").text }

        #expect(try host.anonymous.send("GET", "/api/v1/ctx/crash/not-a-number", timeout: 15).status == 502)
        try pollUntil("the supervisor counted the crash", timeout: 15) {
            Self.sample(#"berth_handler_crashes_total{addon="ctx"}"#, in: try scrape()) == 1
        }

        // A hanging handler is in flight until its worker is replaced; then it no longer counts.
        let hanging = Thread { _ = try? host.anonymous.send("GET", "/api/v1/hang/hang", timeout: 15) }
        hanging.start()
        try pollUntil("the hanging request is in flight", timeout: 10) {
            Self.sample(#"berth_http_requests_in_flight{addon="hang_fixture"}"#, in: try scrape()) == 1
        }
        try pollUntil("its timeout is counted", timeout: 10) {
            Self.sample(#"berth_handler_timeouts_total{addon="hang_fixture"}"#, in: try scrape()) == 1
        }
        try pollUntil("the hung worker is gone and its request no longer in flight", timeout: 30) {
            let text = try scrape()
            return Self.sample(#"berth_http_requests_in_flight{addon="hang_fixture"}"#, in: text) == 0 && Self.sample("berth_workers", in: text) == 2
        }

        let text = try scrape()
        #expect(Self.sample(#"berth_lifecycle_operations_total{kind="install",result="ok"}"#, in: text) == 2, "\(text)")
        #expect(Self.sample(#"berth_lifecycle_operation_duration_seconds_count{kind="install"}"#, in: text) == 2)
        #expect((Self.sample("berth_worker_generation", in: text) ?? 0) >= 3, "the start and two installs rolled")
        #expect((Self.sample("berth_resident_memory_bytes", in: text) ?? 0) > 10_000_000)
        #expect(Self.sample("berth_processes", in: text) == 3, "the supervisor and two workers")
        #expect(Self.sample("berth_open_connections", in: text) != nil)
        #expect(Self.sample(#"berth_database_pool_connections{state="in_use"}"#, in: text) == 0)
        #expect(text.contains("# TYPE berth_http_requests_in_flight gauge"))
    }

    @Test func requestCountsCountedBeforeAnUpgradesGenerationRollAreStillThereAfterIt() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try Self.installContext(host)
        try pollUntil("two workers serve", timeout: 20) { host.workerPIDs().count == 2 }
        let series = #"berth_http_requests_total{addon="ctx",route="/api/v1/ctx/request-id",method="GET",code="200"}"#
        // A connection per request, so both workers count some.
        for _ in 0 ..< 10 { #expect(try host.anonymous.send("GET", "/api/v1/ctx/request-id", headers: ["Connection": "close"]).status == 200) }
        #expect(Self.sample(series, in: try host.admin.send("GET", "/metrics").text) == 10)

        let before = host.workerPIDs()
        let generation = Self.sample("berth_worker_generation", in: try host.admin.send("GET", "/metrics").text) ?? 0
        let upgrade = try host.packages.fixture(id: "ctx", version: "1.1.0", product: "FixtureContextAddon") { $0.permissions = ["database"] }
        let uploaded = try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: upgrade))))
        #expect(uploaded.status == 201, "\(uploaded.text)")
        let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/ctx/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        try pollUntil("the old generation's workers are gone", timeout: 30) {
            let now = host.workerPIDs()
            return now.count == 2 && now.isDisjoint(with: before)
        }

        let after = try host.admin.send("GET", "/metrics").text
        #expect((Self.sample("berth_worker_generation", in: after) ?? 0) > generation, "the upgrade rolled a generation")
        #expect(Self.sample(series, in: after) == 10, "the counts of the workers that exited are kept: \(after.prefix(1500))")
        for _ in 0 ..< 5 { #expect(try host.anonymous.send("GET", "/api/v1/ctx/request-id", headers: ["Connection": "close"]).status == 200) }
        #expect(Self.sample(series, in: try host.admin.send("GET", "/metrics").text) == 15, "the new generation adds to them")
    }

    @Test func anAddonPastItsErrorThresholdIsDeactivatedAndActivatingItClearsTheRecord() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try Self.installContext(host)
        let bad = try host.admin.sendJSON("PUT", "/api/v1/addons/ctx/error-threshold", ["enabled": true, "ratio": 2, "minimum_requests": 10, "window_seconds": 60])
        #expect(bad.status == 422 && bad.errorCode == "invalid_threshold", "\(bad.text)")
        #expect(try host.admin.sendJSON("PUT", "/api/v1/addons/ctx/error-threshold", ["ratio": 0.5]).status == 400)
        let set = try host.admin.sendJSON("PUT", "/api/v1/addons/ctx/error-threshold", ["enabled": true, "ratio": 0.5, "minimum_requests": 10, "window_seconds": 60])
        #expect(set.status == 200, "\(set.text)")
        #expect(try host.admin.send("GET", "/api/v1/addons/ctx/error-threshold").json["source"] as? String == "addon")

        for _ in 0 ..< 3 { #expect(try host.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200) }
        for _ in 0 ..< 12 { _ = try host.anonymous.send("GET", "/api/v1/ctx/fail") }
        var detail: [String: Any] = [:]
        try pollUntil("the supervisor deactivated ctx", timeout: 20) {
            detail = try host.admin.send("GET", "/api/v1/addons/ctx").json
            return detail["state"] as? String == "inactive"
        }
        let record = try #require(detail["quarantined"] as? [String: Any])
        #expect(record["cause"] as? String == "error_threshold_exceeded")
        #expect((record["reason"] as? String)?.contains("12 of 15 requests") == true, "\(record)")
        #expect((detail["health"] as? [String: Any])?["score"] as? Int == 0)
        try pollUntil("no worker serves ctx", timeout: 15) { try host.anonymous.send("GET", "/api/v1/ctx/deadline").status == 404 }
        let events = try host.admin.send("GET", "/api/v1/addons/ctx/events").json["events"] as? [[String: Any]] ?? []
        #expect(events.contains { $0["event"] as? String == "error_threshold_exceeded" }, "\(events)")
        #expect(Self.sample(#"berth_addon_error_threshold_deactivations_total{addon="ctx"}"#, in: try host.admin.send("GET", "/metrics").text) == 1)

        // The workers that served it have drained and exited.
        try pollUntil("only the new generation's two workers are left", timeout: 20) { host.workerPIDs().count == 2 }
        let activated = try host.admin.send("POST", "/api/v1/addons/ctx/activate")
        try #require(activated.status == 200, "\(activated.text)")
        #expect(activated.json["quarantined"] == nil || activated.json["quarantined"] is NSNull)
        #expect(try host.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200)
        // The failures before the deactivation no longer count: a few seconds later it still serves.
        let started = Date()
        while Date().timeIntervalSince(started) < 3 {
            #expect(try host.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200)
            usleep(200_000)
        }
        #expect(try host.admin.send("GET", "/api/v1/addons/ctx").json["state"] as? String == "active")
    }
}
