import BerthTestSupport
import Foundation
import Testing

/// The per-request context through the real binary: `X-Request-ID` on every answer (addon routes,
/// host routes, refusals), handlers written for PluginAPI 1.x still served, missing permissions and
/// bad JSON bodies answered with errors that say what to fix.
struct RequestContextTests {
    func installContextFixture(_ host: IntegrationHost, id: String = "ctx", permissions: [String] = ["database"]) throws {
        let archive = try host.packages.fixture(id: id, version: "1.0.0", product: "FixtureContextAddon") { $0.permissions = permissions }
        let installed = try host.uploadAndInstall(archive, id: id)
        #expect(installed.status == 201, "\(installed.text)")
    }

    static let generated = try! NSRegularExpression(pattern: "^[0-9a-f]{15}$")

    func isGenerated(_ id: String?) -> Bool {
        guard let id else { return false }
        return Self.generated.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil
    }

    @Test func everyAnswerCarriesARequestIDAndAValidIncomingOneIsKept() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installContextFixture(host)
        let client = host.berth.anonymous

        for path in ["/api/v1/ctx/request-id", "/api/v1/ctx/request-id-async"] {
            let kept = try client.send("GET", path, headers: ["X-Request-ID": "trace-42:a.b_c"])
            #expect(kept.headers["x-request-id"] == "trace-42:a.b_c")
            #expect(kept.text == "trace-42:a.b_c", "the handler's context has the id the response carries")
            let made = try client.send("GET", path)
            #expect(isGenerated(made.headers["x-request-id"]), "\(made.headers)")
            #expect(made.text == made.headers["x-request-id"])
            let replaced = try client.send("GET", path, headers: ["X-Request-ID": "no spaces allowed"])
            #expect(isGenerated(replaced.headers["x-request-id"]))
        }
        let health = try client.send("GET", "/health", headers: ["X-Request-ID": "health-check-1"])
        #expect(health.headers["x-request-id"] == "health-check-1")
        let admin = try host.berth.admin.send("GET", "/api/v1/addons")
        #expect(admin.status == 200)
        #expect(isGenerated(admin.headers["x-request-id"]))
        let unauthorized = try client.send("GET", "/api/v1/addons")
        #expect(unauthorized.status == 401)
        #expect(isGenerated(unauthorized.headers["x-request-id"]))
        let missing = try client.send("GET", "/api/v1/nothing/here", headers: ["X-Request-ID": "lost-1"])
        #expect(missing.status == 404)
        #expect(missing.headers["x-request-id"] == "lost-1")
        let wrongMethod = try client.send("DELETE", "/api/v1/ctx/request-id")
        #expect(wrongMethod.status == 405)
        #expect(isGenerated(wrongMethod.headers["x-request-id"]))
        let tooLarge = try client.send("POST", "/api/v1/ctx/small", body: Array("more than eight".utf8), headers: ["X-Request-ID": "big-1"])
        #expect(tooLarge.status == 413, "the route's body limit from RouteOptions: \(tooLarge.text)")
        #expect(tooLarge.headers["x-request-id"] == "big-1")
        #expect(try client.send("POST", "/api/v1/ctx/small", body: Array("fits".utf8)).text == "fits")
        #expect(try client.send("GET", "/api/v1/ctx/deadline").text == "ahead")
    }

    @Test func aLineLoggedDuringARequestCarriesItsRequestIDAndRouteInTheAddonsLogNotTheHosts() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installContextFixture(host)
        let reply = try host.berth.anonymous.send("GET", "/api/v1/ctx/log", headers: ["X-Request-ID": "log-line-7"])
        #expect(reply.text == "logged")
        var line: [String: Any]?
        try pollUntil("the request's log line is written", timeout: 5) {
            let lines = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs?request_id=log-line-7").json["lines"] as? [[String: Any]]
            line = lines?.first { $0["message"] as? String == "line written during a request" }
            return line != nil
        }
        #expect(line?["request_id"] as? String == "log-line-7")
        #expect(line?["route"] as? String == "/api/v1/ctx/log")
        #expect(line?["level"] as? String == "info")
        #expect((line?["worker"] as? Int ?? 0) > 0)
        #expect((line?["metadata"] as? [String: Any])?["step"] as? Int == 1, "typed metadata stays a number")
        let hostLog = (try? String(contentsOfFile: host.berth.logFile, encoding: .utf8)) ?? ""
        #expect(!hostLog.contains("line written during a request"), "the addon's lines stay out of the host's output")
    }

    @Test func handlersWrittenForPluginAPI1AreStillServed() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.fixture(id: "legacy", version: "1.0.0")
        #expect(try host.uploadAndInstall(archive, id: "legacy").status == 201)
        let client = host.berth.anonymous
        let version = try client.send("GET", "/api/v1/legacy/version", headers: ["X-Request-ID": "old-1"])
        #expect(version.status == 200)
        #expect(version.text == "1.0.0")
        #expect(version.headers["x-request-id"] == "old-1")
        let teapot = try client.send("GET", "/api/v1/legacy/teapot")
        #expect(teapot.status == 418)
        #expect(teapot.errorCode == "teapot")
        let broken = try client.send("GET", "/api/v1/legacy/broken")
        #expect(broken.status == 500)
        #expect(broken.errorCode == "addon_error")
        // An async 1.x handler, given its AddonContext: without `network:` its client refuses.
        let fetched = try client.send("GET", "/api/v1/legacy/fetch?url=http://127.0.0.1:1/")
        #expect(fetched.status == 502)
        #expect(fetched.text.contains("permission_denied"), "\(fetched.text)")
    }

    @Test func aServiceTheManifestDoesNotGrantIsAnsweredWithThePermissionToAdd() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installContextFixture(host, id: "ctx", permissions: ["database"])
        try installContextFixture(host, id: "mailer", permissions: ["database", "email", "events"])
        let client = host.berth.anonymous

        let denied = try client.send("POST", "/api/v1/ctx/email")
        #expect(denied.status == 500)
        #expect(denied.errorCode == "permission_denied")
        #expect(denied.errorMessage?.contains(#"add "email" to the manifest's permissions"#) == true, "\(denied.text)")
        let noEvents = try client.send("POST", "/api/v1/ctx/publish")
        #expect(noEvents.errorCode == "permission_denied")
        #expect(noEvents.errorMessage?.contains("'events'") == true, "\(noEvents.text)")

        // With the permission granted, the mail goes out through the host's default (console) provider.
        let sent = try client.send("POST", "/api/v1/mailer/email")
        #expect(sent.status == 200, "\(sent.text)")
        #expect(sent.text.hasPrefix("console-"), "\(sent.text)")
        #expect(try client.send("POST", "/api/v1/mailer/publish").text == "published")
    }

    @Test func aBadJSONBodyIsAnswered400WithThePointerOfTheFailingField() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try installContextFixture(host)
        let client = host.berth.anonymous
        let good = try client.send("POST", "/api/v1/ctx/orders", body: Array(#"{"customer":"ada","lines":[{"sku":"a","quantity":2}]}"#.utf8))
        #expect(good.status == 201)
        #expect(good.text == #"{"customer":"ada","lines":[{"quantity":2,"sku":"a"}]}"#)
        let wrongType = try client.send("POST", "/api/v1/ctx/orders", body: Array(#"{"customer":"ada","lines":[{"sku":"a","quantity":"2"}]}"#.utf8))
        #expect(wrongType.status == 400)
        #expect(wrongType.errorCode == "invalid_body")
        #expect(wrongType.errorMessage == "the body at /lines/0/quantity expected integer")
        let missing = try client.send("POST", "/api/v1/ctx/orders", body: Array(#"{"lines":[]}"#.utf8))
        #expect(missing.errorMessage == "the body at /customer is required")
        let broken = try client.send("POST", "/api/v1/ctx/orders", body: Array("{".utf8))
        #expect(broken.status == 400)
        #expect(broken.errorMessage == "the body is not valid JSON")
    }
}
