import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// One addon's metrics, logs and health through the admin API of a real host: figures over
/// windows, the log with its filters and live tail, redaction, removal at uninstall, and the
/// health score with the addon's own verdict.
struct AddonObservabilityTests {
    /// Installs the context fixture as `ctx`, with a sensitive `apiKey` and a `health` setting.
    static func installFixture(_ host: IntegrationHost, config: [String: Any] = [:], permissions: [String] = ["database"]) throws {
        let archive = try host.packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { manifest in
            manifest.permissions = permissions
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "apiKey": .object(["type": .string("string"), "default": .string("none")]),
                "health": .object(["type": .string("string"), "default": .string("healthy")]),
            ])])
            manifest.sensitiveKeys = ["apiKey"]
        }
        let installed = try host.uploadAndInstall(archive, id: "ctx", config: config)
        #expect(installed.status == 201, "\(installed.text)")
    }

    @Test func theAddonsMetricsCountItsRequestsErrorsAndLatencyOverEachWindow() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try Self.installFixture(host)
        for _ in 0 ..< 6 { #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200) }
        for index in 0 ..< 2 { #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/fail", headers: ["X-Request-ID": "fail-\(index)"]).status == 500) }

        let reply = try host.berth.admin.send("GET", "/api/v1/addons/ctx/metrics")
        #expect(reply.status == 200, "\(reply.text)")
        let windows = try #require(reply.json["windows"] as? [String: Any])
        for name in ["1m", "15m", "since_start"] {
            let window = try #require(windows[name] as? [String: Any], "\(name)")
            #expect(window["requests"] as? Int == 8, "\(name): \(window)")
            #expect(window["errors"] as? Int == 2, "\(name)")
            #expect(window["error_rate"] as? Double == 0.25, "\(name)")
            let latency = try #require(window["latency_seconds"] as? [String: Any])
            let p50 = try #require(latency["p50"] as? Double), p99 = try #require(latency["p99"] as? Double)
            #expect(p50 > 0 && p50 <= p99, "\(latency)")
            #expect((window["mean_execution_seconds"] as? Double ?? 0) > 0)
            #expect(window["crashes"] as? Int == 0)
        }
        let lastError = try #require(reply.json["last_error"] as? [String: Any])
        #expect(lastError["request_id"] as? String == "fail-1")
        #expect(lastError["route"] as? String == "/api/v1/ctx/fail")
        #expect((lastError["message"] as? String)?.contains("FixtureFailure") == true, "\(lastError)")

        #expect(try host.berth.admin.send("GET", "/api/v1/addons/nobody/metrics").status == 404)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/addons/ctx/metrics").status == 401)
    }

    @Test func providerSlotCallsAreCountedBySlotProviderAndResult() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try Self.installFixture(host, permissions: ["database", "email"])
        #expect(try host.berth.anonymous.send("POST", "/api/v1/ctx/email").status == 200)
        #expect(try host.berth.anonymous.send("POST", "/api/v1/ctx/email").status == 200)
        let text = try host.berth.admin.send("GET", "/metrics").text
        #expect(HostMetricsAcrossWorkersTests.sample(#"berth_provider_calls_total{slot="email",provider="console",result="ok"}"#, in: text) == 2, "\(text)")
    }

    @Test func aHostWithoutMetricsSaysSoForOneAddonButStillScoresAndLogsIt() throws {
        let host = try IntegrationHost(environment: ["BERTH_METRICS": "0"])
        defer { host.close() }
        try Self.installFixture(host)
        let reply = try host.berth.admin.send("GET", "/api/v1/addons/ctx/metrics")
        #expect(reply.status == 404 && reply.errorCode == "metrics_disabled", "\(reply.text)")
        #expect((try host.berth.admin.send("GET", "/api/v1/addons/ctx").json["health"] as? [String: Any])?["score"] as? Int == 100)
        _ = try host.berth.anonymous.send("GET", "/api/v1/ctx/log")
        try pollUntil("the line is logged", timeout: 5) {
            !(try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs").json["lines"] as? [Any] ?? []).isEmpty
        }
    }

    @Test func aSensitiveValueNeverAppearsInTheAddonsLogAndTheLogGoesAtUninstall() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try Self.installFixture(host, config: ["apiKey": "sk-live-4242-secret"])
        #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/log-config", headers: ["X-Request-ID": "cfg-1"]).text == "logged")
        var lines: [[String: Any]] = []
        try pollUntil("the line is in the addon's log", timeout: 5) {
            lines = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs?level=warning").json["lines"] as? [[String: Any]] ?? []
            return !lines.isEmpty
        }
        #expect(lines.first?["message"] as? String == "calling upstream with key [redacted]")
        #expect((lines.first?["metadata"] as? [String: Any])?["key"] as? String == "[redacted]")
        let logFile = host.home + "/.berth/logs/ctx.log"
        let onDisk = try String(contentsOfFile: logFile, encoding: .utf8)
        #expect(!onDisk.contains("sk-live-4242-secret"))
        #expect(!((try? String(contentsOfFile: host.berth.logFile, encoding: .utf8)) ?? "").contains("sk-live-4242-secret"))

        let removed = try host.uninstall("ctx")
        #expect(removed.status == 200, "\(removed.text)")
        #expect((removed.json["residue"] as? [Any])?.isEmpty == true, "\(removed.text)")
        #expect(!FileManager.default.fileExists(atPath: logFile))
    }

    @Test func theLogEndpointFiltersAndRefusesBadFiltersWithClearErrors() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try Self.installFixture(host)
        for id in ["a-1", "a-2", "a-3"] { _ = try host.berth.anonymous.send("GET", "/api/v1/ctx/log", headers: ["X-Request-ID": id]) }
        _ = try host.berth.anonymous.send("GET", "/api/v1/ctx/fail", headers: ["X-Request-ID": "b-1"])
        func lines(_ query: String) throws -> [[String: Any]] {
            let reply = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs" + query)
            #expect(reply.status == 200, "\(query): \(reply.text)")
            return reply.json["lines"] as? [[String: Any]] ?? []
        }
        try pollUntil("every line is written", timeout: 5) { try lines("").count == 4 }
        #expect(try lines("?request_id=a-2").map { $0["request_id"] as? String } == ["a-2"])
        #expect(try lines("?level=error").map { $0["request_id"] as? String } == ["b-1"])
        #expect(try lines("?limit=2").map { $0["request_id"] as? String } == ["a-3", "b-1"], "the newest lines")
        let second = try #require(try lines("")[1]["timestamp"] as? Int)
        #expect(try lines("?since=\(second)").count == 2)
        // An ISO 8601 time works too: a minute before the first line, and a minute from now.
        let formatter = ISO8601DateFormatter()
        let first = try #require(try lines("")[0]["timestamp"] as? Int)
        #expect(try lines("?since=" + formatter.string(from: Date(timeIntervalSince1970: Double(first) / 1e6 - 60))).count == 4)
        #expect(try lines("?since=" + formatter.string(from: Date().addingTimeInterval(60))).isEmpty)

        for (query, fragment) in [("?level=loud", "level"), ("?limit=0", "limit"), ("?since=yesterday", "since"), ("?wait=99", "wait")] {
            let reply = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs" + query)
            #expect(reply.status == 400, "\(query)")
            #expect(reply.errorCode == "bad_request", "\(query)")
            #expect((reply.json["error"] as? [String: Any])?["message"] as? String ?? "" != "" && reply.text.contains(fragment), "\(query): \(reply.text)")
        }
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/nobody/logs").status == 404)
    }

    @Test func theLiveTailSendsNewLinesAsServerSentEventsFromTheLastEventID() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        try Self.installFixture(host)
        _ = try host.berth.anonymous.send("GET", "/api/v1/ctx/log", headers: ["X-Request-ID": "t-1"])
        let stream = ["Accept": "text/event-stream"]
        var first = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs?wait=0", headers: stream)
        try pollUntil("the first line is tailed", timeout: 5) {
            first = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs?wait=0", headers: stream)
            return first.text.contains("t-1")
        }
        #expect(first.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        #expect(first.text.contains("retry: "))
        #expect(first.text.contains("event: log\n"))
        let lastID = try #require(first.text.split(separator: "\n").last { $0.hasPrefix("id: ") }?.dropFirst(4))

        // A long poll from that id waits for the next line and carries only it.
        let writer = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            _ = try? host.berth.anonymous.send("GET", "/api/v1/ctx/log", headers: ["X-Request-ID": "t-2"])
        }
        writer.start()
        let next = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs?wait=10", headers: stream.merging(["Last-Event-ID": String(lastID)]) { $1 })
        #expect(next.status == 200)
        #expect(next.text.contains("t-2"), "\(next.text)")
        #expect(!next.text.contains("t-1"), "no line is sent twice")
        // Nothing new: the poll ends after its wait with only the retry field and a comment.
        let quiet = try host.berth.admin.send("GET", "/api/v1/addons/ctx/logs?wait=1", headers: stream.merging(["Last-Event-ID": "99999999999999999"]) { $1 })
        #expect(quiet.status == 200)
        #expect(!quiet.text.contains("event: log"))
        // The host keeps serving while a tail waits.
        #expect(try host.berth.anonymous.send("GET", "/health").status == 200)
    }

    @Test func theHealthScoreShowsTheAddonsOwnVerdictAndErrorsWithReasons() throws {
        let host = try IntegrationHost(environment: ["BERTH_HEALTH_INTERVAL": "1"])
        defer { host.close() }
        try Self.installFixture(host, config: ["health": "degraded"])
        var health: [String: Any] = [:]
        try pollUntil("the addon's own verdict is in the score", timeout: 10) {
            health = try host.berth.admin.send("GET", "/api/v1/addons/ctx").json["health"] as? [String: Any] ?? [:]
            return (health["reasons"] as? [[String: Any]])?.contains { $0["code"] as? String == "degraded" } == true
        }
        #expect(health["score"] as? Int == 85, "\(health)")
        #expect(health["status"] as? String == "healthy")
        for _ in 0 ..< 10 { _ = try host.berth.anonymous.send("GET", "/api/v1/ctx/fail") }
        let detail = try host.berth.admin.send("GET", "/api/v1/addons/ctx").json
        let scored = try #require(detail["health"] as? [String: Any])
        let reasons = scored["reasons"] as? [[String: Any]] ?? []
        #expect(reasons.contains { $0["code"] as? String == "error_rate" && ($0["message"] as? String)?.contains("10 of 10") == true }, "\(reasons)")
        #expect((scored["score"] as? Int ?? 100) < 50)
        #expect(detail["id"] as? String == "ctx", "the summary's fields are still there")
        #expect((detail["error_threshold"] as? [String: Any])?["minimum_requests"] as? Int == 100)
    }

    @Test func aHealthCheckThatNeverAnswersCountsAgainstTheScoreWithoutHoldingTheHost() throws {
        let host = try IntegrationHost(environment: ["BERTH_HEALTH_INTERVAL": "1"])
        defer { host.close() }
        try Self.installFixture(host, config: ["health": "silent"])
        var reasons: [[String: Any]] = []
        try pollUntil("the silent check is in the score", timeout: 15) {
            let health = try host.berth.admin.send("GET", "/api/v1/addons/ctx").json["health"] as? [String: Any]
            reasons = health?["reasons"] as? [[String: Any]] ?? []
            return reasons.contains { $0["code"] as? String == "health_check_timeout" }
        }
        #expect(reasons.first?["penalty"] as? Int == 20)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200)
    }

    @Test func aSingleProcessHostAlsoDeactivatesAnAddonPastItsThresholdFromTheHostDefault() throws {
        let host = try IntegrationHost(environment: ["BERTH_ERROR_THRESHOLD": "0.5/10/60"])
        defer { host.close() }
        try Self.installFixture(host)
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/ctx/error-threshold").json["source"] as? String == "host")
        for _ in 0 ..< 10 { _ = try host.berth.anonymous.send("GET", "/api/v1/ctx/fail") }
        var detail: [String: Any] = [:]
        try pollUntil("ctx is deactivated", timeout: 10) {
            detail = try host.berth.admin.send("GET", "/api/v1/addons/ctx").json
            return detail["state"] as? String == "inactive"
        }
        #expect((detail["quarantined"] as? [String: Any])?["cause"] as? String == "error_threshold_exceeded")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/deadline").status == 404)
        // The registry shows it inactive as soon as its routes are off; the deactivation's events
        // are the change's last step, and an activation meanwhile is refused as a change in progress.
        var events: [String?] = []
        try pollUntil("the deactivation's events are recorded", timeout: 10) {
            let listed = try host.berth.admin.send("GET", "/api/v1/addons/ctx/events").json["events"] as? [[String: Any]] ?? []
            events = listed.map { $0["event"] as? String }
            return events.last == "error_threshold_exceeded"
        }
        #expect(events.suffix(2) == ["deactivated", "error_threshold_exceeded"], "\(events)")
        var activation = try host.berth.admin.send("POST", "/api/v1/addons/ctx/activate")
        try pollUntil("the activation is not refused as a change in progress", timeout: 10) {
            guard activation.status == 409, activation.json["error"].flatMap({ ($0 as? [String: Any])?["code"] as? String }) == "operation_in_progress" else { return true }
            activation = try host.berth.admin.send("POST", "/api/v1/addons/ctx/activate")
            return false
        }
        #expect(activation.status == 200, "\(activation.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/ctx/deadline").status == 200)
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/ctx").json["quarantined"] == nil)
    }

    @Test func aMalformedObservabilitySettingStopsTheStartNamingIt() throws {
        for (name, value) in [("BERTH_ERROR_THRESHOLD", "most"), ("BERTH_ADDON_LOG_LEVEL", "loud"), ("BERTH_HEALTH_INTERVAL", "0")] {
            let folder = try TemporaryDirectory("berth-bad-setting")
            defer { folder.remove() }
            let berth = BerthProcess(home: folder.appending("home"), environment: [name: value])
            #expect(throws: (any Error).self, "\(name)") { try berth.start() }
            berth.stop()
            #expect(berth.tail(20).contains(name), "\(name): \(berth.tail(20))")
        }
    }
}
