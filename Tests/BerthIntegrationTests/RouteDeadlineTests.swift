import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// A route's `timeoutSeconds` from the manifest: its request context's deadline and its 504 come
/// at the route's value, not at the host's `BERTH_HANDLER_TIMEOUT`, which stays the ceiling.
struct RouteDeadlineTests {
    /// The context fixture with a 1-second deadline on `GET /slow` and `GET /deadline-ms`.
    func archive(_ packages: PackageFactory) throws -> String {
        try packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = ["database"]
            manifest.routes = [
                RoutePolicy(method: "GET", path: "/slow", timeoutSeconds: 1),
                RoutePolicy(method: "GET", path: "/deadline-ms", timeoutSeconds: 1),
            ]
        }
    }

    @Test func aRouteWithATimeoutOfOneSecondAnswers504AfterAboutASecondWhileTheHostAllowsThirty() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_HANDLER_TIMEOUT": "30"])
        defer { host.close() }
        try host.uploadAndInstall(try archive(host.packages), id: "ctx")
        try pollUntil("the install's roll finished", timeout: 15) { host.workerPIDs().count == 2 }

        let started = Date()
        let reply = try host.anonymous.send("GET", "/api/v1/ctx/slow?ms=1600", timeout: 15)
        let elapsed = Date().timeIntervalSince(started)
        #expect(reply.status == 504, "\(reply.status) \(reply.text)")
        #expect(reply.errorCode == "handler_timeout")
        #expect((reply.json["error"] as? [String: Any])?["message"] as? String == "addon ctx did not answer within 1000 ms", "\(reply.text)")
        // The handler would have answered 200 at 1.6 s: the 504 came at the route's deadline.
        #expect(elapsed >= 0.9, "answered after \(elapsed) s")
        // A handler that finishes inside its deadline is answered by the addon.
        #expect(try host.anonymous.send("GET", "/api/v1/ctx/slow?ms=10").text == "late")
    }

    @Test func theRequestContextsDeadlineIsTheRoutes() throws {
        let host = try SupervisedHost(workers: 1, environment: ["BERTH_HANDLER_TIMEOUT": "30"])
        defer { host.close() }
        try host.uploadAndInstall(try archive(host.packages), id: "ctx")
        let remaining = try #require(Int(try host.anonymous.send("GET", "/api/v1/ctx/deadline-ms").text))
        #expect(remaining > 0 && remaining <= 1000, "\(remaining) ms left")
        // An undeclared route keeps the host's 30 s.
        let undeclared = try host.anonymous.send("GET", "/api/v1/ctx/deadline")
        #expect(undeclared.text == "ahead")
    }
}
