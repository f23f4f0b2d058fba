import BerthHTTP
import BerthJobs
import BerthPackages
import Foundation
import PluginAPI

extension AdminAPI {
    /// A job as `GET /api/v1/addons/{id}/jobs` shows it.
    struct JobListing: Encodable, Sendable {
        let name: String
        let schedule: String
        let timeZone: String
        let timeoutSeconds: Double
        let allowOverlap: Bool
        /// The next due time (ISO 8601), nil for a schedule that never fires again.
        let nextRun: String?
        /// Failed runs since the latest success (see ``JobRunner/failureStreaks(addon:)``).
        let consecutiveFailures: Int
        let lastRuns: [RunListing]
    }

    /// A run as the admin API shows it.
    struct RunListing: Encodable, Sendable {
        let id: Int64
        let trigger: String
        let scheduledAt: String
        let startedAt: String
        let finishedAt: String?
        let durationMilliseconds: Int64?
        let result: String
        let error: String?
        let worker: String
        let missedRuns: Int

        init(_ row: JobRunRow) {
            id = row.id
            trigger = row.trigger
            scheduledAt = Self.iso(row.scheduledAt)
            startedAt = Self.iso(row.startedAt)
            finishedAt = row.finishedAt.map(Self.iso)
            durationMilliseconds = row.finishedAt.map { $0 - row.startedAt }
            result = row.result.rawValue
            error = row.error
            worker = row.worker
            missedRuns = row.missedRuns
        }

        static func iso(_ milliseconds: Int64) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        }
    }

    /// `GET /api/v1/addons/{id}/jobs` and `POST /api/v1/addons/{id}/jobs/{name}/run`.
    func registerJobs(in table: inout RoutingTable) throws {
        guard let jobs else { return }
        try admin(.get, "/api/v1/addons/:id/jobs", in: &table) { [manager] request, _ in
            let id = request.parameters["id"] ?? ""
            let declarations = try await manager.jobSetup(of: id).declarations
            let runs = try await jobs.store.runs(addon: id, job: nil, limit: 1000)
            let streaks = await jobs.failureStreaks(addon: id)
            let listings = declarations.map { job in
                let next = (try? CronSchedule(job.schedule, timeZone: job.timeZone))?.next(after: Date())
                return JobListing(
                    name: job.name, schedule: job.schedule, timeZone: job.timeZone, timeoutSeconds: job.timeoutSeconds, allowOverlap: job.allowOverlap,
                    nextRun: next.map { RunListing.iso(JobRunner.milliseconds($0)) }, consecutiveFailures: streaks[job.name] ?? 0,
                    lastRuns: runs.filter { $0.job == job.name }.prefix(10).map(RunListing.init)
                )
            }
            return JSONResponse.make(["jobs": listings])
        }
        try admin(.post, "/api/v1/addons/:id/jobs/:name/run", in: &table) { [manager] request, _ in
            let id = request.parameters["id"] ?? "", name = request.parameters["name"] ?? ""
            let (declarations, running) = try await manager.jobSetup(of: id)
            guard let job = declarations.first(where: { $0.name == name }) else {
                throw BerthError.notFound("job_not_found", "addon \(id) declares no job '\(name)'; its jobs: \(declarations.map(\.name).joined(separator: ", "))")
            }
            guard let running else {
                throw BerthError.conflict("addon_inactive", "addon \(id) is not active here; activate it to run its jobs")
            }
            switch try await jobs.runNow(running, job: job) {
            case .claimed(let run):
                let row = try await jobs.store.runs(addon: id, job: name, limit: 20).first { $0.id == run }
                return JSONResponse.make(["run": row.map(RunListing.init)], status: 202)
            case .overlapping(let other):
                throw BerthError.conflict("job_running", "run \(other) of job \(name) is still going and the job does not allow overlap (allowOverlap)")
            case .taken:
                throw BerthError.conflict("job_running", "another run of job \(name) was started at the same moment; retry")
            }
        }
    }
}
