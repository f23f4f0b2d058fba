import PluginAPI
import Synchronization

/// The state libmicrohttpd's callbacks share across its threads: the routes, the drain flags and the
/// connections suspended while their handlers run.
///
/// The daemon receives it as an unretained pointer; ``HTTPServer`` keeps it alive and stops the
/// daemon before letting go of it.
final class ServerContext: Sendable {
    /// The configuration the server started with.
    let configuration: ServerConfiguration

    /// The current table; each request copies it once, on the callback that routes it, so it sees
    /// one table from lookup to dispatch.
    let routes: Mutex<RoutingTable>

    /// Serializes read-modify-write changes of ``routes`` without holding the readers' lock while a
    /// caller's closure runs.
    let routeWriter = Mutex(())

    /// Requests between their first callback and their completion notice; what ``HTTPServer/stop(drainTimeout:)``
    /// waits on.
    let activeRequests = Atomic<Int>(0)

    /// The connections the gate handed over, between their requests: a drain waits for those whose
    /// first request has not started, and the gate ends those whose next head is overdue.
    let connections = ConnectionLedger()

    /// Set while stopping: responses then carry `Connection: close` so keep-alive connections end.
    let draining = Atomic<Bool>(false)

    /// Set once the drain deadline passed: new requests get a 503 instead of a handler.
    let refusing = Atomic<Bool>(false)

    /// Spooled uploads between their admission and the end of their request; see ``UploadAdmission``.
    let activeUploads = Atomic<Int>(0)

    /// Connections suspended while their handler runs; see `ServerContext+Suspension.swift`.
    let suspensions = Mutex(SuspensionRegistry())

    /// Whether ``ServerConfiguration/handlerObserver`` is set: checked on every request before the
    /// observer itself is read, since reading it copies the existential (a retain and a release).
    let observesHandlers: Bool

    /// Whether handlers run on polling lanes that can be taken over (see ``PollingLanes``).
    let takesOver: Bool

    /// ``ServerConfiguration/maxQueryParameters``, kept apart so that the URI screen, which runs for
    /// every request, reads one integer rather than going through the configuration.
    let maxQueryParameters: Int

    init(configuration: ServerConfiguration, routes: RoutingTable) {
        self.configuration = configuration
        self.maxQueryParameters = max(1, configuration.maxQueryParameters)
        self.observesHandlers = configuration.handlerObserver != nil
        self.takesOver = configuration.takesOverBlockedThreads || configuration.handlerObserver?.takesOverPollingThreads == true
        self.routes = Mutex(routes)
    }

    /// The table a new request is dispatched with.
    var currentRoutes: RoutingTable {
        routes.withLock { $0 }
    }
}

/// The suspended connections, kept so that stop can resume each one before the daemon stops
/// (libmicrohttpd aborts the process if a suspended connection remains).
struct SuspensionRegistry {
    /// Once set, no connection may be suspended any more.
    var closed = false

    /// The runs whose connection is, or is about to be, suspended.
    var runs: [ObjectIdentifier: HandlerRun] = [:]
}
