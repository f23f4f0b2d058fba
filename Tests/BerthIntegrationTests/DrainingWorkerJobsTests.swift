import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// Workers of a generation that is replaced stop starting job runs as soon as they drain, though
/// requests keep them alive for seconds: the new generation, with the addons it loaded, runs every
/// due time from then on.
struct DrainingWorkerJobsTests {
    @Test func aWorkerDrainingAfterAnUpgradeStartsNoJobRunWhileItsRequestsFinish() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        let jobs = [JobDeclaration(name: "tick", schedule: "* * * * * *")]
        try host.uploadAndInstall(try ScheduledJobsTests.package(host.packages, id: "roller", jobs: jobs), id: "roller")
        try pollUntil("two workers serve", timeout: 20) { host.workerPIDs().count == 2 }
        try pollUntil("the job ran twice", timeout: 20) { try ScheduledJobsTests.ticks(host.anonymous, "roller").count >= 2 }
        let newer = try ScheduledJobsTests.package(host.packages, id: "roller", version: "1.1.0", jobs: jobs)
        #expect(try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: newer)))).status == 201)
        let old = host.workerPIDs()

        // Requests that keep both old workers draining for about four seconds, four due times.
        let waits = WaitingRequests(port: host.berth.port, path: "/api/v1/roller/wait?ms=4000", count: 4)
        try pollUntil("the four requests are in flight", timeout: 10) {
            HostMetricsAcrossWorkersTests.sample(#"berth_http_requests_in_flight{addon="roller"}"#, in: try host.admin.send("GET", "/metrics").text) == 4
        }
        let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/roller/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        // The answer comes once every old worker stopped accepting: each of them drains by now.
        let answered = Int64(Date().timeIntervalSince1970 * 1000)
        try pollUntil("the old workers are gone", timeout: 30) { host.workerPIDs().isDisjoint(with: old) }
        #expect(waits.answers() == Array(repeating: "waited", count: 4), "the draining workers' requests finished")

        try pollUntil("two due times ran after the old workers left", timeout: 20) {
            try ScheduledJobsTests.ticks(host.anonymous, "roller").filter { $0.scheduled > answered && !old.contains(Int32($0.pid)) }.count >= 2
        }
        let ticks = try ScheduledJobsTests.ticks(host.anonymous, "roller")
        let late = ticks.filter { old.contains(Int32($0.pid)) && $0.scheduled > answered }
        #expect(late.isEmpty, "a draining worker of the old generation started runs: \(late); old workers \(old)")
        #expect(ticks.filter { $0.scheduled > answered }.allSatisfy { $0.version == "1.1.0" }, "\(ticks)")
        #expect(Dictionary(grouping: ticks, by: \.scheduled).values.allSatisfy { $0.count == 1 }, "a due time ran twice: \(ticks)")
    }
}

/// Requests sent at once from threads of their own, and their answers once each finished.
final class WaitingRequests: @unchecked Sendable {
    // `@unchecked Sendable`: `texts` is only touched under `lock`.
    private let lock = NSCondition()
    private var texts: [String] = []
    private let count: Int

    init(port: Int, path: String, count: Int) {
        self.count = count
        for _ in 0 ..< count {
            Thread { [self] in
                let text = (try? HTTPTestClient(port: port).send("GET", path, timeout: 30).text) ?? "no answer"
                lock.lock()
                texts.append(text)
                lock.broadcast()
                lock.unlock()
            }.start()
        }
    }

    /// The answers, once every request got one (or after 30 s, those that did).
    func answers() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(30)
        while texts.count < count, lock.wait(until: deadline) {}
        return texts
    }
}
