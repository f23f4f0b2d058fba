import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// Jobs declared in the manifest run on schedule through the real `berth`: once per due time with
/// two workers on SQLite, without overlap, cancelled at uninstall before the addon's data goes, and
/// on demand through the admin API.
struct ScheduledJobsTests {
    static let migrations: [(id: String, up: String, down: String)] = [
        ("0001_ticks", "CREATE TABLE ticks (job TEXT, scheduled_ms BIGINT, run_id TEXT, pid INTEGER, version TEXT);", "DROP TABLE ticks;"),
    ]

    /// A package of the jobs fixture declaring `jobs`.
    static func package(_ packages: PackageFactory, id: String, version: String = "1.0.0", jobs: [JobDeclaration], dialect: String = "sqlite") throws -> String {
        try packages.fixture(id: id, version: version, migrations: migrations, dialects: [dialect], product: "FixtureJobsAddon") { $0.jobs = jobs }
    }

    /// The fixture's recorded runs: (job, scheduled ms, run id, pid).
    static func ticks(_ client: HTTPTestClient, _ id: String) throws -> [(job: String, scheduled: Int64, run: String, pid: Int, version: String)] {
        let reply = try client.send("GET", "/api/v1/\(id)/ticks")
        guard reply.status == 200 else { return [] }
        return (reply.json["ticks"] as? [[String: Any]] ?? []).map {
            ($0["job"] as? String ?? "", Int64($0["scheduled"] as? Double ?? 0), $0["run"] as? String ?? "", Int($0["pid"] as? Double ?? 0), $0["version"] as? String ?? "")
        }
    }

    /// The jobs of `id` as `GET /api/v1/addons/{id}/jobs` lists them, by name.
    static func jobs(_ client: HTTPTestClient, _ id: String) throws -> [String: [String: Any]] {
        let list = try client.send("GET", "/api/v1/addons/\(id)/jobs").json["jobs"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0) })
    }

    static func runs(_ job: [String: Any]?) -> [[String: Any]] {
        job?["lastRuns"] as? [[String: Any]] ?? []
    }

    @Test func aJobDueEveryTwoSecondsRunsExactlyOncePerDueTimeWithTwoWorkers() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try host.uploadAndInstall(try Self.package(host.packages, id: "ticker", jobs: [JobDeclaration(name: "tick", schedule: "*/2 * * * * *")]), id: "ticker")
        // The generation the install rolled away may still be draining: two workers serve once it is gone.
        try pollUntil("two workers serve", timeout: 20) { host.workerPIDs().count == 2 }

        try pollUntil("five due times ran", timeout: 40) { Set(try Self.ticks(host.anonymous, "ticker").map(\.scheduled)).count >= 5 }
        let ticks = try Self.ticks(host.anonymous, "ticker")
        let byDueTime = Dictionary(grouping: ticks, by: \.scheduled)
        #expect(byDueTime.values.allSatisfy { $0.count == 1 }, "a due time ran more than once: \(ticks)")
        #expect(ticks.allSatisfy { $0.scheduled % 2000 == 0 }, "runs stand for due times of */2 seconds: \(ticks)")

        let job = try Self.jobs(host.admin, "ticker")["tick"]
        #expect(job?["schedule"] as? String == "*/2 * * * * *")
        #expect(job?["timeZone"] as? String == "UTC")
        #expect(job?["nextRun"] is String)
        #expect(job?["consecutiveFailures"] as? Int == 0)
        let runs = Self.runs(job)
        #expect(runs.contains { $0["result"] as? String == "succeeded" && $0["durationMilliseconds"] is Int && $0["trigger"] as? String == "schedule" }, "\(runs)")
    }

    @Test(arguments: UninstallAcrossWorkersTests.Database.allCases)
    func aRunStillGoingAtUninstallIsCancelledBeforeItsDataGoesAndNoRunStartsAfterTheAnswer(_ database: UninstallAcrossWorkersTests.Database) throws {
        guard let traced = try TracedHost.open(database, traceVariable: "FIXTURE_JOB_TRACE", label: "berth-jobs-trace") else { return }
        defer { traced.close() }
        let (host, lines, dialect) = (traced.host, traced.lines, database.rawValue)
        let (sleeper, witness) = (traced.id("sleeper"), traced.id("witness"))
        try host.uploadAndInstall(try Self.package(host.packages, id: sleeper, jobs: [JobDeclaration(name: "slow", schedule: "*/2 * * * * *", timeoutSeconds: 600)], dialect: dialect), id: sleeper)

        try pollUntil("the slow job started", timeout: 20) { lines().contains { $0.hasPrefix("start \(sleeper) ") } }
        // The next due times find it still running: no overlap, each recorded as skipped.
        try pollUntil("a due time was skipped", timeout: 20) { Self.runs(try Self.jobs(host.admin, sleeper)["slow"]).contains { $0["result"] as? String == "skipped" } }
        let started = lines().filter { $0.hasPrefix("start \(sleeper) ") }
        #expect(started.count == 1, "a second run overlapped the first: \(lines())")
        let refused = try host.admin.send("POST", "/api/v1/addons/\(sleeper)/jobs/slow/run")
        #expect(refused.status == 409 && (refused.json["error"] as? [String: Any])?["code"] as? String == "job_running", "\(refused.text)")

        let removed = try host.admin.send("DELETE", "/api/v1/marketplace/uninstall/\(sleeper)")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(removed.json["residue"] as? [String] == [], "\(removed.text)")
        let atAnswer = lines()
        let run = started.first.map { String($0.split(separator: " ")[2]) } ?? "?"
        let cancelled = atAnswer.first { $0.hasPrefix("cancelled \(sleeper) \(run) ") }
        #expect(cancelled?.hasSuffix("data=1") == true, "the run was not cancelled with its data still there before the uninstall answered: \(atAnswer)")

        // Another addon's job runs on: once it ran three times, the uninstalled one had as many due times.
        try host.uploadAndInstall(try Self.package(host.packages, id: witness, jobs: [JobDeclaration(name: "tick", schedule: "*/2 * * * * *")], dialect: dialect), id: witness)
        try pollUntil("the witness ran three times", timeout: 40) { try Self.ticks(host.anonymous, witness).count >= 3 }
        #expect(lines().filter { $0.contains(" \(sleeper) ") } == atAnswer.filter { $0.contains(" \(sleeper) ") }, "a run of the uninstalled addon started after the answer: \(lines())")
        #expect(try host.admin.send("GET", "/api/v1/addons/\(sleeper)/jobs").status == 404)
    }

    @Test func runNowStartsAJobOnDemandAndUnknownJobsAreNotFound() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let jobs = [JobDeclaration(name: "tick_yearly", schedule: "@yearly", timeZone: "Europe/Berlin"), JobDeclaration(name: "fail", schedule: "*/2 * * * * *")]
        #expect(try host.uploadAndInstall(try Self.package(host.packages, id: "ondemand", jobs: jobs), id: "ondemand").status == 201)

        let started = try host.berth.admin.send("POST", "/api/v1/addons/ondemand/jobs/tick_yearly/run")
        #expect(started.status == 202, "\(started.text)")
        let run = started.json["run"] as? [String: Any]
        #expect(run?["trigger"] as? String == "manual")
        try pollUntil("the manual run recorded its row", timeout: 20) { try Self.ticks(host.berth.anonymous, "ondemand").contains { $0.job == "tick_yearly" } }
        try pollUntil("the manual run succeeded", timeout: 20) {
            Self.runs(try Self.jobs(host.berth.admin, "ondemand")["tick_yearly"]).first?["result"] as? String == "succeeded"
        }
        let yearly = try Self.jobs(host.berth.admin, "ondemand")["tick_yearly"]
        #expect(yearly?["timeZone"] as? String == "Europe/Berlin")
        #expect((yearly?["nextRun"] as? String)?.contains("-12-31T23:00:00") == true, "@yearly in Berlin is midnight of 1 January there: \(yearly ?? [:])")

        // A job that fails every time: its streak grows, and its error is recorded.
        try pollUntil("the failing job failed twice in a row", timeout: 30) { (try Self.jobs(host.berth.admin, "ondemand")["fail"]?["consecutiveFailures"] as? Int ?? 0) >= 2 }
        let failed = Self.runs(try Self.jobs(host.berth.admin, "ondemand")["fail"]).first { $0["result"] as? String == "failed" }
        #expect((failed?["error"] as? String)?.contains("failed_on_purpose") == true, "\(failed ?? [:])")
        // The addon's health score names the failing job among its reasons.
        let health = try host.berth.admin.send("GET", "/api/v1/addons/ondemand").json["health"] as? [String: Any]
        let reasons = health?["reasons"] as? [[String: Any]] ?? []
        #expect(reasons.contains { $0["code"] as? String == "failed_jobs" && ($0["message"] as? String)?.contains("job fail failed") == true }, "\(health ?? [:])")
        #expect((health?["score"] as? Int ?? 100) < 100, "\(health ?? [:])")

        let unknown = try host.berth.admin.send("POST", "/api/v1/addons/ondemand/jobs/nope/run")
        #expect(unknown.status == 404 && (unknown.json["error"] as? [String: Any])?["code"] as? String == "job_not_found", "\(unknown.text)")
        let noAddon = try host.berth.admin.send("POST", "/api/v1/addons/ghost/jobs/tick/run")
        #expect(noAddon.status == 404 && (noAddon.json["error"] as? [String: Any])?["code"] as? String == "addon_not_installed", "\(noAddon.text)")
        #expect(try host.berth.anonymous.send("GET", "/api/v1/addons/ondemand/jobs").status == 401)
    }

    @Test func aRunPastItsTimeoutIsCancelledAndRecordedTimedOut() throws {
        let traces = try TemporaryDirectory("berth-job-timeout")
        defer { traces.remove() }
        let trace = traces.appending("trace.log")
        let host = try IntegrationHost(environment: ["FIXTURE_JOB_TRACE": trace])
        defer { host.close() }
        let jobs = [JobDeclaration(name: "slow", schedule: "@yearly", timeoutSeconds: 1)]
        #expect(try host.uploadAndInstall(try Self.package(host.packages, id: "overdue", jobs: jobs), id: "overdue").status == 201)
        let started = try host.berth.admin.send("POST", "/api/v1/addons/overdue/jobs/slow/run")
        #expect(started.status == 202, "\(started.text)")

        // The handler waits until cancelled: only the deadline ends it.
        try pollUntil("the run ended", timeout: 20) { Self.runs(try Self.jobs(host.berth.admin, "overdue")["slow"]).first?["result"] as? String != "running" }
        let job = try Self.jobs(host.berth.admin, "overdue")["slow"]
        let run = Self.runs(job).first
        #expect(run?["result"] as? String == "timed_out", "\(run ?? [:])")
        #expect((run?["error"] as? String)?.contains("timeoutSeconds") == true, "\(run ?? [:])")
        // Cancelled at 1 s and returned at once: not left behind after the 10 s grace.
        let duration = run?["durationMilliseconds"] as? Int ?? 0
        #expect(duration >= 1000 && duration < 10_000, "\(run ?? [:])")
        #expect(job?["consecutiveFailures"] as? Int == 1)
        let lines = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        #expect(lines.contains("cancelled overdue "), "the handler saw the cancellation: \(lines)")
    }

    @Test func afterAnUpgradeOnlyTheNewVersionRunsTheJob() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let jobs = [JobDeclaration(name: "tick", schedule: "*/2 * * * * *")]
        #expect(try host.uploadAndInstall(try Self.package(host.packages, id: "upgraded", jobs: jobs), id: "upgraded").status == 201)
        try pollUntil("the job ran", timeout: 20) { try Self.ticks(host.berth.anonymous, "upgraded").count >= 1 }
        #expect(try host.upload(try Self.package(host.packages, id: "upgraded", version: "1.1.0", jobs: jobs)).status == 201)
        let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/upgraded/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        let answered = Int64(Date().timeIntervalSince1970 * 1000)
        try pollUntil("three due times ran after the upgrade", timeout: 30) { try Self.ticks(host.berth.anonymous, "upgraded").filter { $0.scheduled > answered }.count >= 3 }
        let after = try Self.ticks(host.berth.anonymous, "upgraded").filter { $0.scheduled > answered }
        #expect(after.allSatisfy { $0.version == "1.1.0" }, "the old version still ran the job: \(after)")
        #expect(Dictionary(grouping: after, by: \.scheduled).values.allSatisfy { $0.count == 1 }, "\(after)")
        // The old version's database handle is closed once it retired: a run of it would fail.
        let runs = Self.runs(try Self.jobs(host.berth.admin, "upgraded")["tick"])
        #expect(runs.allSatisfy { $0["result"] as? String == "succeeded" }, "the retired version still claimed runs: \(runs)")
    }

    @Test func dueTimesMissedWhileTheHostWasDownCollapseIntoOneRun() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try Self.package(host.packages, id: "catchup", jobs: [JobDeclaration(name: "tick", schedule: "*/2 * * * * *")]), id: "catchup").status == 201)
        try pollUntil("the job ran", timeout: 20) { try Self.ticks(host.berth.anonymous, "catchup").count >= 1 }
        host.berth.stop()
        let stopped = Date()
        let before = Int64(stopped.timeIntervalSince1970 * 1000)
        // Down long enough for at least three due times to pass.
        try pollUntil("three due times passed", timeout: 20) { Date().timeIntervalSince(stopped) > 7 }
        let restarting = Int64(Date().timeIntervalSince1970 * 1000)
        try host.berth.start()

        try pollUntil("the job ran after the restart", timeout: 20) { try Self.ticks(host.berth.anonymous, "catchup").contains { $0.scheduled > before } }
        let runs = Self.runs(try Self.jobs(host.berth.admin, "catchup")["tick"])
        let down = runs.filter { ($0["missedRuns"] as? Int ?? 0) > 0 }
        #expect(down.count == 1, "the missed due times are one run: \(runs)")
        #expect((down.first?["missedRuns"] as? Int ?? 0) >= 2, "\(runs)")
        let during = try Self.ticks(host.berth.anonymous, "catchup").filter { $0.scheduled > before && $0.scheduled < restarting }
        #expect(during.count <= 1, "one run at most stands for the due times while down: \(during)")
    }
}
