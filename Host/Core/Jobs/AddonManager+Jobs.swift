import BerthPackages
import Foundation

extension AddonManager {
    /// Makes `runner` run the jobs of every addon loaded from now on; call before ``startUp()``.
    func setJobRunner(_ runner: JobRunner) {
        jobs = runner
    }

    /// The jobs addon `id`'s manifest declares, and the addon if it is loaded (active) here.
    /// - Throws: 404 `addon_not_installed`.
    func jobSetup(of id: String) throws -> (declarations: [JobDeclaration], running: RunningAddon?) {
        refreshRegistryFromDisk()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        return (try installedManifest(entry).jobs, running[id])
    }
}

extension JobRunner {
    /// Where runs are claimed for a host on `settings`: `berth_jobs` in PostgreSQL when the addons'
    /// data lives there, `.berth/jobs.sqlite` in the home otherwise.
    static func makeStore(settings: HostSettings, home: BerthHome) async throws -> any JobStore {
        if settings.databaseKind == .postgres, let url = settings.databaseURL {
            do {
                return try await PostgresJobStore(url: url)
            } catch {
                throw BerthError(status: 500, code: "database_unavailable", message: "cannot prepare the job runs in BERTH_DATABASE_URL: \(error)", cause: error)
            }
        }
        return try SQLiteJobStore(path: home.stateDirectory + "/jobs.sqlite")
    }

    /// The name a process records in its runs.
    static func workerName(settings: HostSettings) -> String {
        "\(settings.nodeID ?? ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
