@testable import BerthCore
import BerthJobs
import Foundation
import PluginAPI
import Testing

/// The claims behind "exactly once": on a real SQLite file, opened twice as two workers would, a
/// due time is claimed by one of them, a run still going refuses the next claim unless the job
/// allows overlap, a run left by a dead process is abandoned after its deadline, and missed due
/// times collapse into the latest.
struct JobClaimsTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-job-claims-\(UUID().uuidString.prefix(8))").path

    func claim(_ scheduled: Int64, now: Int64 = 10_000, deadline: Int64 = 20_000, overlap: Bool = false, worker: String = "a") -> JobClaim {
        JobClaim(addon: "ticker", job: "tick", scheduledAt: scheduled, trigger: .schedule, missedRuns: 0, startedAt: now, deadlineAt: deadline,
                 worker: worker, allowOverlap: overlap, staleBefore: now - 5000, recordSkip: true)
    }

    func stores() throws -> (SQLiteJobStore, SQLiteJobStore) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (try SQLiteJobStore(path: folder + "/jobs.sqlite"), try SQLiteJobStore(path: folder + "/jobs.sqlite"))
    }

    @Test func aDueTimeIsClaimedByOneOfTwoWorkersOnly() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (first, second) = try stores()
        async let a = first.claim(claim(2000, worker: "a"))
        async let b = second.claim(claim(2000, worker: "b"))
        let outcomes = [try await a, try await b]
        #expect(outcomes.filter { if case .claimed = $0 { true } else { false } }.count == 1, "\(outcomes)")
        #expect(outcomes.contains(.taken) || outcomes.contains { if case .overlapping = $0 { true } else { false } }, "\(outcomes)")
        #expect(try await first.runs(addon: "ticker", job: "tick", limit: 10).filter { $0.result == .running }.count == 1)
    }

    @Test func aRunStillGoingRefusesTheNextDueTimeUnlessOverlapIsAllowed() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (store, _) = try stores()
        guard case .claimed(let running) = try await store.claim(claim(2000)) else { Issue.record("not claimed"); return }
        #expect(try await store.claim(claim(4000)) == .overlapping(running: running))
        #expect(try await store.runs(addon: "ticker", job: "tick", limit: 10).first?.result == .skipped)
        if case .claimed = try await store.claim(claim(6000, overlap: true)) {} else { Issue.record("an overlapping job was refused") }
        try await store.finish(run: running, result: .succeeded, error: nil, finishedAt: 11_000)
        #expect(try await store.lastScheduled(addon: "ticker", job: "tick") == 6000)
    }

    @Test func aRunLeftByADeadProcessIsAbandonedAfterItsDeadlineAndCountsAsAFailure() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (store, _) = try stores()
        _ = try await store.claim(claim(2000, now: 1000, deadline: 3000))
        // Later than the deadline plus the grace: the run is taken for dead and the next one starts.
        guard case .claimed(let next) = try await store.claim(claim(10_000, now: 10_000, deadline: 20_000)) else { Issue.record("refused"); return }
        try await store.finish(run: next, result: .failed, error: "boom", finishedAt: 10_500)
        let runs = try await store.runs(addon: "ticker", job: "tick", limit: 10)
        #expect(runs.map(\.result) == [.failed, .abandoned])
        let runner = JobRunner(store: store, worker: "test", logger: Logger(label: "test", handler: HostLogHandler()))
        #expect(await runner.failureStreaks(addon: "ticker") == ["tick": 2])
        try await store.forget(addon: "ticker")
        #expect(try await store.runs(addon: "ticker", job: nil, limit: 10).isEmpty)
    }

    @Test func dueTimesMissedWhileDownCollapseIntoTheLatest() throws {
        let schedule = try CronSchedule("*/2 * * * * *")
        let cursor = Date(timeIntervalSince1970: 1_000_000)
        let (due, missed) = try #require(JobRunner.nextDue(schedule, after: cursor, now: cursor.addingTimeInterval(9)))
        #expect(due == cursor.addingTimeInterval(8))
        #expect(missed == 3)
        let (upcoming, none) = try #require(JobRunner.nextDue(schedule, after: cursor, now: cursor.addingTimeInterval(1)))
        #expect(upcoming == cursor.addingTimeInterval(2))
        #expect(none == 0)
    }
}
