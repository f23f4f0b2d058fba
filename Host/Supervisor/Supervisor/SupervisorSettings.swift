import BerthCore
import BerthHTTP

/// How the supervisor runs its workers: `--workers` and the `BERTH_*` settings it reads.
public struct SupervisorSettings: Sendable {
    /// Workers per generation (`berth serve --workers N`; default: the number of cores).
    public var workers: Int
    /// HTTP threads per worker: `BERTH_THREADS`, else the cores divided among the workers (at least 2).
    public var threadsPerWorker: Int
    /// `BERTH_QUARANTINE_CRASHES`: crashes of one addon within the window that quarantine it (default 3).
    public var quarantineCrashes: Int
    /// `BERTH_QUARANTINE_WINDOW`: the window, in seconds (default 60).
    public var quarantineWindow: Duration
    /// `BERTH_DRAIN_TIMEOUT`: seconds a draining worker has for its in-flight requests (default 10);
    /// the supervisor kills it 5 s after that.
    public var drainTimeout: Duration
    /// A worker that has not reported ready after this long is killed and replaced.
    public var readyTimeout: Duration = .seconds(60)
    /// Consecutive workers that die before they serve, before the host gives up at start.
    public var startAttempts = 5

    /// Reads the settings.
    public init(workers: Int, host: HostSettings, environment: [String: String]) throws(SupervisorError) {
        guard workers >= 1 else { throw SupervisorError(.invalidArgument, "--workers \(workers): a supervisor needs at least one worker (0 serves in one process)") }
        self.workers = workers
        threadsPerWorker = host.threads ?? max(2, ServerConfiguration.processorCount / workers)
        quarantineCrashes = try EnvironmentValue.integer(environment, "BERTH_QUARANTINE_CRASHES", default: 3, range: 1 ... 1000)
        quarantineWindow = try EnvironmentValue.seconds(environment, "BERTH_QUARANTINE_WINDOW", default: .seconds(60), range: 1 ... 86400)
        drainTimeout = try EnvironmentValue.seconds(environment, "BERTH_DRAIN_TIMEOUT", default: .seconds(10), range: 0 ... 3600)
    }
}
