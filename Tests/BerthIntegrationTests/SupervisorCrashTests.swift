import BerthTestSupport
import Foundation
import Glibc
import Testing

/// Crash containment: an addon that segfaults takes down only its own requests; its worker is
/// replaced at once, and after three crashes the addon is quarantined.
struct SupervisorCrashTests {
    @Test func aSegfaultingRouteFailsAloneWith502AndIsQuarantinedAfterThreeCrashes() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_QUARANTINE_CRASHES": "3", "BERTH_QUARANTINE_WINDOW": "60"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        try host.uploadAndInstall(try host.packages.make(id: "segfault_fixture", product: "FixtureSegfaultAddon", mountPrefix: "/api/v1/segfault"), id: "segfault_fixture")
        #expect(try host.anonymous.send("GET", "/api/v1/segfault/ok").status == 200)

        let load = RouteLoad(port: host.berth.port, paths: ["/health", "/api/v1/greet/hello", "/api/v1/greet/hello"])
        for crash in 1 ... 3 {
            let before = host.workerPIDs()
            let reply = try host.anonymous.send("GET", "/api/v1/segfault/crash", timeout: 15)
            #expect(reply.status == 502, "crash \(crash): \(reply.status) \(reply.text)")
            #expect(reply.errorCode == "addon_crashed")
            #expect((reply.json["error"] as? [String: Any])?["addon"] as? String == "segfault_fixture")
            #expect(reply.errorMessage?.contains("segfault_fixture") == true)
            // Replaced at once: a new worker joins while the crashed one drains.
            try pollUntil("a replacement worker started (crash \(crash))", timeout: 10) { !host.workerPIDs().subtracting(before).isEmpty }
            try pollUntil("two workers serve again (crash \(crash))", timeout: 15) { host.workerPIDs().count == 2 }
        }

        var summary: [String: Any] = [:]
        try pollUntil("segfault_fixture is quarantined", timeout: 15) {
            summary = try host.admin.send("GET", "/api/v1/addons/segfault_fixture").json
            return summary["quarantined"] != nil
        }
        #expect(summary["state"] as? String == "inactive")
        let quarantine = summary["quarantined"] as? [String: Any]
        #expect(quarantine?["crashes"] as? Int == 3)
        #expect((quarantine?["reason"] as? String)?.contains("crashed its worker 3 times") == true)
        try pollUntil("its routes are gone", timeout: 15) { try host.anonymous.send("GET", "/api/v1/segfault/crash").status == 404 }
        let history = try host.admin.send("GET", "/api/v1/addons/segfault_fixture/events").text
        #expect(history.contains("quarantined"))
        let metrics = try host.admin.send("GET", "/metrics").text
        #expect(HostMetricsAcrossWorkersTests.sample(#"berth_handler_crashes_total{addon="segfault_fixture"}"#, in: metrics) == 3)
        #expect(HostMetricsAcrossWorkersTests.sample(#"berth_addon_quarantines_total{addon="segfault_fixture"}"#, in: metrics) == 1)

        let counts = load.stop()
        print("crash test: \(counts.ok) requests to other routes succeeded, \(counts.failed) failed")
        #expect(counts.failed == 0, "\(counts.failures)")
        #expect(counts.ok > 100)
        #expect(try host.anonymous.send("GET", "/health").status == 200)
        #expect(try host.anonymous.send("GET", "/api/v1/greet/hello").status == 200)
        #expect(host.workerPIDs().count == 2)

        // Activating it again is the administrator's decision, and clears the record.
        let activated = try host.admin.send("POST", "/api/v1/addons/segfault_fixture/activate")
        #expect(activated.status == 200, "\(activated.text)")
        #expect(activated.json["quarantined"] == nil)
        #expect(try host.anonymous.send("GET", "/api/v1/segfault/ok").status == 200)
    }
}
