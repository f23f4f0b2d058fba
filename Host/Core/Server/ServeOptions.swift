import BerthHTTP

/// How ``BerthServer/start(settings:executable:options:)`` runs the host; the defaults are those of
/// the single-process host.
public struct ServeOptions: Sendable {
    /// A listening socket inherited from the supervisor, instead of binding `BERTH_HOST:BERTH_PORT`.
    public var listenSocket: Int32?
    /// Told when each handler starts and finishes (a worker's crash guard).
    public var handlerObserver: (any HandlerObserver)?
    /// Whether start-up recovers interrupted operations and imports incoming archives; a worker
    /// leaves that to the supervisor, which does it before any worker runs.
    public var recovering = true
    /// HTTP threads, overriding `BERTH_THREADS`.
    public var threads: Int?
    /// Called after every successful mutation, once the home's lock is released (and by an
    /// uninstall, to stop every worker serving the addon); answers whether the new generation serves.
    public var changeObserver: (@Sendable () async -> Bool)?
    /// Told the step of the change of the home running now (addon id and a description; nil when
    /// none runs): a worker's crash guard blames a crash in that step on the addon.
    public var stepObserver: (@Sendable (_ addon: String?, _ step: String) -> Void)?
    /// Told when an addon's step ran past its deadline and may hold a thread for good.
    public var stuckObserver: (@Sendable (String) -> Void)?

    /// Whether this process keeps the metrics history and deactivates addons past their error
    /// threshold; a worker leaves that to the supervisor.
    public var watchesMetrics = true
    /// Asked once the addons started, just before the server accepts its first connection: `false`
    /// leaves the server unstarted. A worker superseded while it started (its generation carries
    /// an installed set that is already gone, e.g. an upgrade undone meanwhile) must not serve it
    /// for even a moment.
    public var startsAccepting: (@Sendable () -> Bool)?

    /// The single-process defaults.
    public init() {}
}
