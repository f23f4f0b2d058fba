import BerthPackages
import BerthTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// Handlers of two addons that overrun their deadline together, in one worker: the watchdog answers
/// each with 504 in the same tick, and each addon's `berth_handler_timeouts_total` and health count
/// its own timeouts, not the other's.
///
/// The worker is stopped (SIGSTOP) while the handlers wait and continued once every deadline has
/// passed, so its watchdog's first tick after that finds all of them expired: the same tick for
/// certain, not by the luck of timing.
struct TimeoutAttributionTests {
    /// The context fixture as addon `id`, with a 3-second deadline on `GET /slow`.
    static func archive(_ packages: PackageFactory, id: String) throws -> String {
        try packages.fixture(id: id, version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = ["database"]
            manifest.routes = [RoutePolicy(method: "GET", path: "/slow", timeoutSeconds: 3)]
        }
    }

    @Test func handlersOfTwoAddonsThatTimeOutTogetherAreEachCountedForTheirOwnAddon() throws {
        let host = try SupervisedHost(workers: 1, environment: ["BERTH_HANDLER_TIMEOUT": "30"])
        defer { host.close() }
        for id in ["slow_a", "slow_b"] {
            try host.uploadAndInstall(try Self.archive(host.packages, id: id), id: id)
        }
        try pollUntil("the installs' rolls finished", timeout: 20) { host.workerPIDs().count == 1 }
        #expect(try host.anonymous.send("GET", "/api/v1/slow_b/slow?ms=1").text == "late")

        // Three requests to slow_a and two to slow_b, whose handlers would answer after 10 s.
        let worker = try #require(host.workerPIDs().first)
        let targets = ["slow_a", "slow_a", "slow_a", "slow_b", "slow_b"]
        let replies = Mutex([(String, Int, String?)]())
        let sent = Date()
        let clients = targets.map { target in
            Thread {
                let reply = try? HTTPTestClient(port: host.berth.port).send("GET", "/api/v1/\(target)/slow?ms=10000", timeout: 30)
                replies.withLock { $0.append((target, reply?.status ?? 0, reply?.errorCode)) }
            }
        }
        clients.forEach { $0.start() }
        try pollUntil("the five handlers run", timeout: 10) {
            let text = try host.admin.send("GET", "/metrics").text
            return HostMetricsAcrossWorkersTests.sample(#"berth_http_requests_in_flight{addon="slow_a"}"#, in: text) == 3
                && HostMetricsAcrossWorkersTests.sample(#"berth_http_requests_in_flight{addon="slow_b"}"#, in: text) == 2
        }
        #expect(Date().timeIntervalSince(sent) < 2.5, "the handlers were seen running too late to stop the worker before their deadline")
        kill(worker, SIGSTOP)
        try pollUntil("every deadline passed while the worker was stopped", timeout: 10) { Date().timeIntervalSince(sent) > 3.6 }
        kill(worker, SIGCONT)
        try pollUntil("the five requests were answered", timeout: 20) { replies.withLock { $0.count } == 5 }
        let answered = replies.withLock { $0 }
        #expect(answered.allSatisfy { $0.1 == 504 && $0.2 == "handler_timeout" }, "\(answered)")

        func scrape() throws -> String { try host.admin.send("GET", "/metrics").text }
        try pollUntil("the five timeouts are counted", timeout: 10) {
            let text = try scrape()
            let counts = ["slow_a", "slow_b"].map { HostMetricsAcrossWorkersTests.sample("berth_handler_timeouts_total{addon=\"\($0)\"}", in: text) ?? 0 }
            return counts.reduce(0, +) == 5
        }
        let text = try scrape()
        #expect(HostMetricsAcrossWorkersTests.sample(#"berth_handler_timeouts_total{addon="slow_a"}"#, in: text) == 3, "\(text)")
        #expect(HostMetricsAcrossWorkersTests.sample(#"berth_handler_timeouts_total{addon="slow_b"}"#, in: text) == 2, "\(text)")

        // The health score reads the same counts: each addon's reason names its own number.
        for (id, count) in [("slow_a", 3), ("slow_b", 2)] {
            var reasons: [[String: Any]] = []
            try pollUntil("\(id)'s health names its timeouts", timeout: 20) {
                let health = try host.admin.send("GET", "/api/v1/addons/\(id)").json["health"] as? [String: Any]
                reasons = health?["reasons"] as? [[String: Any]] ?? []
                return reasons.contains { $0["code"] as? String == "timeouts" }
            }
            let timeouts = reasons.first { $0["code"] as? String == "timeouts" }
            #expect((timeouts?["message"] as? String)?.hasPrefix("\(count) handlers overran their deadline") == true, "\(id): \(reasons)")
        }
    }
}
