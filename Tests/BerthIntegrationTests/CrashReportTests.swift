import BerthTestSupport
import Foundation
import Testing

/// A crashing handler leaves a log line a developer can act on: the addon, the route, the request
/// id, the Swift runtime's fatal message with its file and line, and a backtrace; its 502 carries
/// the request's id.
struct CrashReportTests {
    @Test func aCrashedHandlersLogNamesTheRouteTheRequestAndTheRuntimesMessage() throws {
        let host = try SupervisedHost(workers: 1, environment: ["BERTH_QUARANTINE_CRASHES": "5"])
        defer { host.close() }
        let archive = try host.packages.fixture(id: "ctx", version: "1.0.0", product: "FixtureContextAddon") { $0.permissions = ["database"] }
        try host.uploadAndInstall(archive, id: "ctx")
        #expect(try host.anonymous.send("GET", "/api/v1/ctx/crash/7").text == "7")

        let crashed = try host.anonymous.send("GET", "/api/v1/ctx/crash/abc", headers: ["X-Request-ID": "crash-req-1"], timeout: 15)
        #expect(crashed.status == 502)
        #expect(crashed.errorCode == "addon_crashed")
        #expect(crashed.headers["x-request-id"] == "crash-req-1")

        var report: [String: Any]?
        var log = ""
        try pollUntil("the crash report is logged", timeout: 10) {
            log = (try? String(contentsOfFile: host.berth.logFile, encoding: .utf8)) ?? ""
            report = log.split(separator: "\n").lazy
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["message"] as? String == "an addon's handler crashed" }
            return report != nil
        }
        #expect(report?["addon"] as? String == "ctx")
        #expect(report?["route"] as? String == "GET /api/v1/ctx/crash/:id")
        #expect(report?["request_id"] as? String == "crash-req-1")
        let fatal = report?["fatal_error"] as? String ?? ""
        #expect(fatal.contains("Unexpectedly found nil while unwrapping an Optional value"), "\(report ?? [:])")
        #expect(fatal.contains("FixtureContextAddon.swift:"), "the message carries the file and line: \(fatal)")
        #expect(log.contains("backtrace of the crashed handler"), "\(host.berth.tail(40))")
    }
}
