import BerthTestSupport
import Foundation
import Testing

/// The provider slots with two worker processes: every worker's console mail lands in the one
/// development inbox, and a switch made through one worker holds for requests served by any.
struct ProviderSlotsWorkersTests {
    @Test func everyWorkerSharesTheInboxAndTheSlotSelection() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        let archive = try host.packages.fixture(id: "slots", version: "1.0.0", product: "FixtureProviderAddon") { $0.permissions = ["email"] }
        try host.uploadAndInstall(archive, id: "slots")

        // Each request opens its own connection, so the two workers share them.
        for index in 0 ..< 12 {
            let sent = try host.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "u\(index)@example.com", "subject": "mail \(index)", "text": "t"])
            #expect(sent.status == 200, "\(sent.text)")
        }
        let inbox = try host.admin.send("GET", "/api/v1/dev/inbox")
        let subjects = Set((inbox.json["messages"] as? [[String: Any]] ?? []).compactMap { $0["subject"] as? String })
        #expect(subjects == Set((0 ..< 12).map { "mail \($0)" }), "\(inbox.text)")

        #expect(try host.admin.sendJSON("PUT", "/api/v1/providers/email", ["provider": "refusing"]).status == 200)
        // The contract: every worker's slot calls see a recorded choice within 5 ms
        // (SlotRegistry.selectionCheckInterval), without a system call per call.
        let answered = ContinuousClock.now
        try pollUntil("5 ms since the PUT was answered", timeout: 1) { ContinuousClock.now >= answered + .milliseconds(5) }
        for _ in 0 ..< 8 {
            let refused = try host.anonymous.sendJSON("POST", "/api/v1/slots/send", ["to": "x@example.com", "subject": "after the switch", "text": "t"])
            #expect(refused.status == 422, "every worker uses the new selection: \(refused.text)")
        }
        for _ in 0 ..< 4 {
            let report = try host.admin.send("GET", "/api/v1/providers")
            let email = (report.json["slots"] as? [[String: Any]] ?? []).first { $0["slot"] as? String == "email" }
            #expect(email?["provider"] as? String == "refusing")
            #expect(email?["source"] as? String == "admin")
        }
    }

    @Test func theMemoryRateLimitHoldsAcrossWorkersAndInternalAnalyticsLandsInTheHostsTable() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        let archive = try host.packages.fixture(id: "slots", version: "1.0.0", product: "FixtureProviderAddon") { $0.permissions = ["rate_limit", "analytics"] }
        try host.uploadAndInstall(archive, id: "slots")

        var statuses: [Int] = []
        for _ in 0 ..< 12 { statuses.append(try host.anonymous.send("POST", "/api/v1/slots/hit/phone-1").status) }
        #expect(statuses.filter { $0 == 200 }.count == 5, "5 per window for the host, not per worker: \(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 7)

        for index in 0 ..< 4 { #expect(try host.anonymous.send("POST", "/api/v1/slots/track/signup_\(index)").text == "tracked") }
        let table = host.berth.home + "/.berth/providers/analytics.sqlite"
        let names = try sqliteRows(table, "SELECT name FROM events ORDER BY id")
        #expect(names == ["signup_0", "signup_1", "signup_2", "signup_3"], "\(names)")
    }

    /// The rows of `sql` in the SQLite file at `path`, read with the sqlite3 shell.
    func sqliteRows(_ path: String, _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]", path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
