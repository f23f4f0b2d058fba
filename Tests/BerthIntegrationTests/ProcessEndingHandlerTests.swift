import BerthTestSupport
import Foundation
import Glibc
import Testing

/// `exit()` and `abort()` in an addon's handler cost at most that request, answered 502 naming the
/// addon, like a SIGSEGV: the worker is replaced, its other requests finish.
struct ProcessEndingHandlerTests {
    @Test(arguments: ["/exit", "/abort", "/exit-later", "/abort-later"])
    func aHandlerEndingItsProcessFailsOnlyItsOwnRequestWith502(_ route: String) throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_QUARANTINE_CRASHES": "10"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        try host.uploadAndInstall(try host.packages.make(id: "segfault_fixture", product: "FixtureSegfaultAddon", mountPrefix: "/api/v1/segfault"), id: "segfault_fixture")

        let load = RouteLoad(port: host.berth.port, paths: ["/health", "/api/v1/greet/hello", "/api/v1/greet/hello", "/api/v1/segfault/ok"])
        try pollUntil("the load runs", timeout: 10) { load.counts.withLock { $0.ok } > 50 }
        for attempt in 1 ... 2 {
            let before = host.workerPIDs()
            let reply = try host.anonymous.send("GET", "/api/v1/segfault" + route, timeout: 15)
            #expect(reply.status == 502, "\(route) #\(attempt): \(reply.status) \(reply.text)")
            #expect(reply.errorMessage?.contains("segfault_fixture") == true, "\(reply.text)")
            try pollUntil("a replacement worker started", timeout: 10) { !host.workerPIDs().subtracting(before).isEmpty }
            try pollUntil("two workers serve again", timeout: 15) { host.workerPIDs().count == 2 }
        }
        let counts = load.stop()
        print("\(route): \(counts.ok) other requests succeeded, \(counts.failed) failed")
        #expect(counts.failed == 0, "\(counts.failures)")
    }
}
