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
    /// Called after every successful mutation, once the home's lock is released.
    public var changeObserver: (@Sendable () async -> Void)?

    /// The single-process defaults.
    public init() {}
}
