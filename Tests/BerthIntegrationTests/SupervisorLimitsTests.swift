import BerthTestSupport
import Foundation
import Glibc
import Testing

/// Per-handler timeouts and the memory limit: a hanging handler gets its request answered 504 and
/// its worker recycled; a worker past its memory limit is replaced gracefully.
struct SupervisorLimitsTests {
    @Test func aHangingRouteAnswers504WithinTheTimeoutAndItsWorkerIsRecycled() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_HANDLER_TIMEOUT": "1"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.make(id: "hang_fixture", product: "FixtureHangAddon", mountPrefix: "/api/v1/hang"), id: "hang_fixture")
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 2 }
        let before = host.workerPIDs()

        let started = Date()
        let reply = try host.anonymous.send("GET", "/api/v1/hang/hang", timeout: 15)
        let elapsed = Date().timeIntervalSince(started)
        #expect(reply.status == 504, "\(reply.status) \(reply.text)")
        #expect(reply.errorCode == "handler_timeout")
        #expect((reply.json["error"] as? [String: Any])?["addon"] as? String == "hang_fixture")
        #expect(elapsed >= 0.9 && elapsed < 2.5, "answered after \(elapsed) s")

        try pollUntil("the hung worker was replaced", timeout: 20) {
            let now = host.workerPIDs()
            return now.count == 2 && now != before && !before.isSubset(of: now)
        }
        #expect(host.berth.tail(60).contains("never returned"))
        #expect(try host.anonymous.send("GET", "/health").status == 200)
        #expect(try host.anonymous.send("GET", "/api/v1/hang/ok").status == 200)
    }

    @Test func aWorkerPastItsMemoryLimitIsReplacedWithoutFailingRequests() throws {
        // 1 MB: every worker is past it, so each is replaced about a second after it starts.
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_WORKER_MAX_RSS_MB": "1"])
        defer { host.close() }
        let first = host.workerPIDs()
        let load = RouteLoad(port: host.berth.port, paths: ["/health", "/health"])
        try pollUntil("the first workers were replaced", timeout: 20) { host.workerPIDs().isDisjoint(with: first) }
        let counts = load.stop()
        #expect(host.berth.tail(80).contains("BERTH_WORKER_MAX_RSS_MB"))
        #expect(counts.failed == 0, "\(counts.failures)")
        #expect(counts.ok > 20)
    }
}
