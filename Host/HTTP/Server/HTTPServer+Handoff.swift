import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a multi-process host needs: a socket bound once and shared by every worker's server, and a
/// drain in steps, so that a worker stops accepting before it is told to finish.
extension HTTPServer {
    /// Binds a listening socket for `host:port` (close-on-exec, non-blocking) that servers in other
    /// processes adopt through ``ServerConfiguration/listenSocket``.
    /// - Returns: the descriptor; the caller owns it.
    public static func listeningSocket(host: String, port: Int) throws(HTTPServerError) -> Int32 {
        try ListenSocket.bind(host: host, port: port).descriptor
    }

    /// Stops accepting connections (they go to the other processes accepting on the same socket);
    /// open connections are served, their responses carry `Connection: close`. ``stop(drainTimeout:)``
    /// still has to be called.
    public func quiesce() {
        lifecycle.withLock { state in
            guard state.stage == .running, let daemon = state.daemon else { return }
            context.draining.store(true, ordering: .sequentiallyConsistent)
            state.gate?.quiesce()
            _ = daemon
        }
    }

    /// Requests between their first callback and their completion notice.
    public var activeRequestCount: Int {
        context.activeRequests.load(ordering: .acquiring)
    }

    /// Connections open now, idle keep-alive ones and those still sending their first head
    /// included (one more while a connection just handed to libmicrohttpd may not be counted by it
    /// yet); 0 unless running.
    public var openConnectionCount: Int {
        lifecycle.withLock { state in
            guard state.stage == .running, let daemon = state.daemon else { return 0 }
            let gate = state.gate
            let served = state.lanes?.connectionCount ?? Int(berth_mhd_connection_count(daemon))
            return served + (gate?.waitingCount ?? 0) + (gate?.handedOver(within: .milliseconds(100)) == true ? 1 : 0)
        }
    }

    /// How many times a polling thread was taken over from a handler that kept it (see
    /// ``ServerConfiguration/takesOverBlockedThreads``); 0 without lanes.
    public var takeoverCount: Int {
        lifecycle.withLock { $0.lanes?.takeovers ?? 0 }
    }
}
