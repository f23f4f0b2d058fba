import PluginAPI
import Synchronization

/// The HTTP server: libmicrohttpd's thread pool in front of a swappable ``RoutingTable``.
///
/// Each request is looked up on its first callback, its body read within the endpoint's
/// ``BodyPolicy``, and its handler started on the MHD thread with `Task.immediate`; handlers that
/// suspend do so without holding the thread (the connection is suspended and resumed on
/// completion). Routes can be replaced at any time without stopping.
public final class HTTPServer: Sendable {
    let context: ServerContext
    let lifecycle = Mutex(Lifecycle())

    /// The daemon and its socket, guarded by ``lifecycle``.
    struct Lifecycle {
        enum Stage { case idle, running, stopping, stopped }
        var stage = Stage.idle
        var daemon: OpaquePointer?
        var socket: ListenSocket?
        var gate: ConnectionGate?
        var port = 0
        /// The polling lanes, when handlers run on threads that can be taken over.
        var lanes: PollingLanes?
    }

    /// Creates a server; nothing listens until ``start()``.
    public init(configuration: ServerConfiguration, routes: RoutingTable) {
        self.context = ServerContext(configuration: configuration, routes: routes)
    }

    /// The port the server listens on, with an ephemeral port (0) resolved; 0 before ``start()``.
    public var port: Int {
        lifecycle.withLock { $0.port }
    }

    /// Whether ``start()`` ran and ``stop(drainTimeout:)`` has not begun.
    public var isRunning: Bool {
        lifecycle.withLock { $0.stage == .running }
    }

    /// The current routing table.
    public var routes: RoutingTable {
        context.currentRoutes
    }

    /// Replaces the routing table. Every request is dispatched with either the old table or the new
    /// one, never a mix; requests already running finish with the endpoint they matched.
    public func replaceRoutes(_ routes: RoutingTable) {
        context.routeWriter.withLock { _ in
            context.routes.withLock { $0 = routes }
        }
    }

    /// Changes the routing table as one atomic read-modify-write: concurrent updates do not lose
    /// each other's changes, and if `change` throws the table is left as it was.
    public func updateRoutes(_ change: (inout RoutingTable) throws -> Void) rethrows {
        try context.routeWriter.withLock { (_: inout sending ()) throws -> Void in
            var table = context.currentRoutes
            try change(&table)
            let updated = table
            context.routes.withLock { $0 = updated }
        }
    }

    deinit {
        // The daemon holds an unretained pointer to the context: it must stop before the context goes.
        stop(drainTimeout: .zero)
    }
}
