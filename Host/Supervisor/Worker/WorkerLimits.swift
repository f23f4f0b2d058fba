import BerthHTTP

/// A worker's limits, from the environment.
struct WorkerLimits: Sendable {
    /// `BERTH_HANDLER_TIMEOUT`: seconds an addon's handler may take before its request is answered
    /// with 504 (default 30). A handler still running a second after that gets its worker recycled.
    var handlerTimeout: Duration
    /// How long after its 504 a handler that has not returned counts as hung.
    var hungGrace: Duration = .seconds(1)
    /// `BERTH_WORKER_MAX_RSS_MB`: resident memory past which the worker is replaced gracefully
    /// (default 1024; 0 turns the check off).
    var maxResidentMegabytes: Int
    /// `BERTH_DRAIN_TIMEOUT`: seconds a draining worker waits for its in-flight requests (default 10).
    var drainTimeout: Duration
    /// How long a worker whose handler crashed waits for its other requests before it exits: its
    /// memory may be damaged, so not long.
    var crashDrainTimeout: Duration = .seconds(2)
    /// `BERTH_HANDLER_ISOLATION`: `takeover` (default) runs handlers inline on polling threads
    /// that a monitor takes over when a handler keeps one past a tick (it blocks, or crashed and
    /// its thread is parked): no hand-off per request, and a crashed or blocked handler costs only
    /// its own request. `thread` starts addons' handlers on the global executor instead (a task hop
    /// and a suspension per request); `inline` runs them on libmicrohttpd's own pool threads like
    /// `--workers 0` (a crash or a blocked handler also stalls the connections that thread serves).
    var isolatesHandlers: Bool
    /// Whether handlers run on polling threads that can be taken over (`takeover`).
    var takesOverPollingThreads: Bool

    init(environment: [String: String]) throws(SupervisorError) {
        handlerTimeout = try EnvironmentValue.seconds(environment, "BERTH_HANDLER_TIMEOUT", default: .seconds(30), range: 0.05 ... 86400)
        maxResidentMegabytes = try EnvironmentValue.integer(environment, "BERTH_WORKER_MAX_RSS_MB", default: 1024, range: 0 ... 1 << 20)
        drainTimeout = try EnvironmentValue.seconds(environment, "BERTH_DRAIN_TIMEOUT", default: .seconds(10), range: 0 ... 3600)
        switch environment["BERTH_HANDLER_ISOLATION"] ?? "" {
        case "", "takeover": (isolatesHandlers, takesOverPollingThreads) = (false, true)
        case "thread": (isolatesHandlers, takesOverPollingThreads) = (true, false)
        case "inline": (isolatesHandlers, takesOverPollingThreads) = (false, false)
        case let other: throw SupervisorError(.invalidSetting, "BERTH_HANDLER_ISOLATION=\(other) is not takeover, thread or inline")
        }
    }
}
