/// Why a job run started.
public enum JobTrigger: String, Sendable, Hashable {
    /// Its schedule came due (possibly standing for several missed due times; see
    /// ``JobContext/missedRuns``).
    case schedule
    /// An administrator asked for it (`POST /api/v1/addons/{id}/jobs/{name}/run`).
    case manual
}

/// What the host hands an addon's job handler for one run of a job its manifest declares.
///
/// The run ends at ``deadline`` (the manifest's `timeoutSeconds`): the host then cancels the
/// handler's task, so a handler that awaits (`Task.sleep`, database calls, HTTP) stops with a
/// `CancellationError`; a long loop should check `Task.isCancelled` or ``timeRemaining``. The same
/// cancellation arrives when the addon is deactivated or uninstalled while the run is going.
public struct JobContext: Sendable {
    /// The job's name, as the manifest declares it.
    public let jobName: String

    /// The host's identifier of this run, the same in `GET /api/v1/addons/{id}/jobs`.
    public let runID: String

    /// The due time this run stands for, in milliseconds since 1970-01-01 UTC (for a manual run:
    /// when it was asked for).
    public let scheduledAtMilliseconds: Int64

    /// Why the run started.
    public let trigger: JobTrigger

    /// How many earlier due times passed while the host was down and are folded into this run
    /// (0 normally): missed runs collapse into one.
    public let missedRuns: Int

    /// When the host cancels the run.
    public let deadline: ContinuousClock.Instant

    /// The addon's context: database, configuration, services.
    public let addon: AddonContext

    /// Creates a job context; called by the host and by tests.
    public init(jobName: String, runID: String, scheduledAtMilliseconds: Int64, trigger: JobTrigger, missedRuns: Int = 0,
                deadline: ContinuousClock.Instant, addon: AddonContext) {
        self.jobName = jobName
        self.runID = runID
        self.scheduledAtMilliseconds = scheduledAtMilliseconds
        self.trigger = trigger
        self.missedRuns = missedRuns
        self.deadline = deadline
        self.addon = addon
    }

    /// The addon's identifier.
    public var addonID: String { addon.addonID }

    /// A logger whose lines carry the addon's id, the job's name and the run's id.
    public var logger: Logger { addon.logger.with(["job": .string(jobName), "run_id": .string(runID)]) }

    /// The addon's database, scoped to its own namespace.
    public var database: any AddonDatabase { addon.database }

    /// The addon's current configuration.
    public var configuration: AddonConfiguration { addon.configuration }

    /// The time left before ``deadline`` (negative once it passed).
    public var timeRemaining: Duration { deadline - .now }
}

extension HTTPError {
    /// What the default ``Addon/runJob(_:context:)`` throws: the addon declares a job it does not
    /// handle.
    public static func jobNotHandled(_ name: String, addon: String) -> HTTPError {
        HTTPError(status: 501, code: "job_not_handled", message: "addon \(addon) declares job '\(name)' but does not implement runJob(_:context:) for it")
    }
}
