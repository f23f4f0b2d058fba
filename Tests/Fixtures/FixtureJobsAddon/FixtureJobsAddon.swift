import FixtureIdentity
import Foundation
import Glibc
import PluginAPI

/// An addon whose jobs prove the host's scheduling guarantees; its id and version come from the
/// installed manifest, so one build serves as any number of addons.
///
/// Its package's migrations create `ticks (job TEXT, scheduled_ms BIGINT, run_id TEXT, pid INTEGER, version TEXT)`.
/// - `tick` (and any job whose name starts with `tick`): inserts one row per run.
/// - `fail`: throws, so its failure streak grows.
/// - `slow`: inserts a row, appends `start <addon> <run>` to the file named by the environment's
///   `FIXTURE_JOB_TRACE`, then waits until cancelled; on cancellation it checks that its table is
///   still there and appends `cancelled <addon> <run> data=<rows or error>`, then rethrows.
///
/// `GET <prefix>/ticks` answers `{"ticks": [{"job", "scheduled", "run", "pid", "version"}, …]}`;
/// `GET <prefix>/wait?ms=` answers `waited` after `ms` milliseconds (it keeps a draining worker busy).
struct FixtureJobsAddon: Addon {
    let id: String
    let version: String

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/ticks") { _, context in
            let rows = try await context.database.query("SELECT job, scheduled_ms, run_id, pid, version FROM ticks ORDER BY scheduled_ms", [])
            let ticks: [JSONValue] = rows.map { row in
                .object([
                    "job": .string(row["job"]?.text ?? ""), "scheduled": .number(Double(row["scheduled_ms"]?.integer ?? 0)),
                    "run": .string(row["run_id"]?.text ?? ""), "pid": .number(Double(row["pid"]?.integer ?? 0)),
                    "version": .string(row["version"]?.text ?? ""),
                ])
            }
            return try .json(JSONValue.object(["ticks": .array(ticks)]))
        }
        routes.get("/wait") { request, _ in
            try? await Task.sleep(for: .milliseconds(Int(request.queryValue("ms") ?? "") ?? 1000))
            return .text("waited")
        }
    }

    func runJob(_ name: String, context: JobContext) async throws {
        switch name {
        case "fail":
            throw HTTPError(status: 500, code: "failed_on_purpose", message: "run \(context.runID) fails on purpose")
        case "slow":
            try await record(name, context)
            appendTrace("start \(id) \(context.runID)", toFileNamedBy: "FIXTURE_JOB_TRACE")
            do {
                while true { try await Task.sleep(for: .seconds(3600)) }
            } catch {
                // The run is cancelled: is the addon's data still there? Asked outside the cancelled task.
                let database = context.database
                let check = await Task.detached { () -> String in
                    do {
                        let count = try await database.query("SELECT count(*) AS c FROM ticks", []).first?["c"]?.integer ?? -1
                        return "\(count)"
                    } catch {
                        return "error:\(error)".replacingOccurrences(of: " ", with: "_")
                    }
                }.value
                appendTrace("cancelled \(id) \(context.runID) data=\(check)", toFileNamedBy: "FIXTURE_JOB_TRACE")
                throw error
            }
        default:
            guard name.hasPrefix("tick") else { throw HTTPError.jobNotHandled(name, addon: id) }
            try await record(name, context)
        }
    }

    private func record(_ name: String, _ context: JobContext) async throws {
        try await context.database.execute(
            "INSERT INTO ticks (job, scheduled_ms, run_id, pid, version) VALUES ($1, $2, $3, $4, $5)",
            [.text(name), .integer(context.scheduledAtMilliseconds), .text(context.runID), .integer(Int64(getpid())), .text(version)]
        )
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    let identity = installedIdentity()
    return AddonABI.export(FixtureJobsAddon(id: identity.id, version: identity.version))
}
