import BerthPackages
import BerthTestSupport
import Foundation
import Synchronization
import Testing

/// Handlers of two addons that overrun their deadline together, in one worker: the watchdog answers
/// each with 504 in the same tick, and each addon's `berth_handler_timeouts_total` and health count
/// its own timeouts, not the other's.
struct TimeoutAttributionTests {
    /// The context fixture as addon `id`, with a 1-second deadline on `GET /slow`.
    static func archive(_ packages: PackageFactory, id: String) throws -> String {
        try packages.fixture(id: id, version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = ["database"]
            manifest.routes = [RoutePolicy(method: "GET", path: "/slow", timeoutSeconds: 1)]
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

        // Three requests to slow_a and two to slow_b at once: their deadlines pass within a few
        // milliseconds of each other, inside one 50 ms tick of the watchdog. Each handler would
        // answer 200 at 1.5 s, before the worker counts it as hung.
        let targets = ["slow_a", "slow_a", "slow_a", "slow_b", "slow_b"]
        let replies = Mutex([(String, Int, String?)]())
        DispatchQueue.concurrentPerform(iterations: targets.count) { index in
            let reply = try? HTTPTestClient(port: host.berth.port).send("GET", "/api/v1/\(targets[index])/slow?ms=1500", timeout: 15)
            replies.withLock { $0.append((targets[index], reply?.status ?? 0, reply?.errorCode)) }
        }
        let answered = replies.withLock { $0 }
        #expect(answered.count == 5 && answered.allSatisfy { $0.1 == 504 && $0.2 == "handler_timeout" }, "\(answered)")

        func scrape() throws -> String { try host.admin.send("GET", "/metrics").text }
        try pollUntil("both addons' timeouts are counted", timeout: 10) {
            let text = try scrape()
            return HostMetricsAcrossWorkersTests.sample(#"berth_handler_timeouts_total{addon="slow_a"}"#, in: text) != nil
                && HostMetricsAcrossWorkersTests.sample(#"berth_handler_timeouts_total{addon="slow_b"}"#, in: text) != nil
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
