import CBerthLanes
import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Starting and stopping the daemon.
extension HTTPServer {
    /// Binds the socket (or adopts ``ServerConfiguration/listenSocket``) and starts libmicrohttpd's
    /// thread pool. A server starts once; after ``stop(drainTimeout:)`` create a new one.
    ///
    /// - Throws: ``HTTPServerError``, e.g. ``HTTPServerError/Code/addressInUse`` with its `errno`.
    public func start() throws(HTTPServerError) {
        let configuration = context.configuration
        try lifecycle.withLock { (state: inout sending Lifecycle) throws(HTTPServerError) -> Void in
            guard state.stage == .idle else {
                throw HTTPServerError(code: .alreadyStarted, message: "The server was already started.")
            }
            let socket = if let inherited = configuration.listenSocket {
                try ListenSocket.adopt(inherited)
            } else {
                try ListenSocket.bind(host: configuration.host, port: configuration.port)
            }
            let port: Int
            do throws(HTTPServerError) {
                port = try socket.boundPort()
            } catch {
                socket.closeIfOwned()
                throw error
            }
            let gate: ConnectionGate
            do throws(SystemCallError) {
                gate = try ConnectionGate(listenDescriptor: socket.descriptor, limits: Self.gateLimits(configuration), ledger: context.connections)
            } catch {
                socket.closeIfOwned()
                throw HTTPServerError(code: .socketFailed, message: "The connection gate could not start.", cause: error)
            }
            if context.takesOver {
                guard let (lanes, daemons) = startLanes(configuration, gate: gate) else {
                    socket.closeIfOwned()
                    throw HTTPServerError(
                        code: .daemonFailed,
                        message: "libmicrohttpd could not start \(configuration.threads) polling lanes on port \(port).",
                        errno: errno
                    )
                }
                do throws(SystemCallError) {
                    try gate.start(lanes: lanes)
                } catch {
                    _ = lanes.stop(deadline: .seconds(1))
                    for daemon in daemons { MHD_stop_daemon(daemon) }
                    socket.closeIfOwned()
                    throw HTTPServerError(code: .daemonFailed, message: "The connection gate's thread could not start.", cause: error)
                }
                state = Lifecycle(stage: .running, daemon: daemons[0], socket: socket, gate: gate, port: port, lanes: lanes)
                return
            }
            guard let daemon = startDaemon(configuration, gate: gate) else {
                socket.closeIfOwned()
                throw HTTPServerError(
                    code: .daemonFailed,
                    message: "libmicrohttpd could not start on port \(port) with \(configuration.threads) threads.",
                    errno: errno
                )
            }
            do throws(SystemCallError) {
                try gate.start(daemon: daemon)
            } catch {
                MHD_stop_daemon(daemon)
                socket.closeIfOwned()
                throw HTTPServerError(code: .daemonFailed, message: "The connection gate's thread could not start.", cause: error)
            }
            state = Lifecycle(stage: .running, daemon: daemon, socket: socket, gate: gate, port: port)
        }
    }

    /// Stops the server gracefully: stops accepting, lets requests in flight finish until
    /// `drainTimeout`, then answers the handlers still running with 503 and stops the daemon.
    ///
    /// While draining, responses carry `Connection: close` so that keep-alive clients move on.
    /// Connections suspended on a handler are resumed before the daemon stops (libmicrohttpd never
    /// times them out and aborts if one is left). A handler still running after the deadline
    /// finishes in the background; its result is dropped. Calling it before ``start()`` or a second
    /// time does nothing.
    public func stop(drainTimeout: Duration = .seconds(10)) {
        let taken = lifecycle.withLock { state -> (daemon: OpaquePointer, socket: ListenSocket?, gate: ConnectionGate?, lanes: PollingLanes?)? in
            guard state.stage == .running, let daemon = state.daemon else { return nil }
            state.stage = .stopping
            return (daemon, state.socket, state.gate, state.lanes)
        }
        guard let taken else { return }
        let clock = ContinuousClock()
        context.draining.store(true, ordering: .sequentiallyConsistent)
        taken.gate?.quiesce()
        // Heads still arriving at the gate get a second to complete (then their requests are
        // served); a connection slower than that, e.g. one trickling, does not hold the stop. A
        // head already handed over is served however long its polling thread takes to reach it.
        // The order of the reads matters: see ConnectionGate.isEmpty.
        let headGrace = clock.now + .seconds(1)
        wait(until: clock.now + drainTimeout) {
            (taken.gate?.isEmpty != false || clock.now >= headGrace)
                && context.connections.unstartedCount == 0
                && context.activeRequests.load(ordering: .sequentiallyConsistent) == 0
        }

        context.refusing.store(true, ordering: .sequentiallyConsistent)
        while !context.abandonSuspended() { pause() }
        // Give the resumed connections a moment to send their 503 before the daemon closes them.
        wait(until: clock.now + .milliseconds(100)) { context.activeRequests.load(ordering: .acquiring) == 0 }

        // The gate stops first, so it hands nothing to a stopping daemon; the daemon's close notices
        // still reach it, so it lives until the daemon has stopped.
        taken.gate?.stop()
        if let lanes = taken.lanes {
            // A lane whose thread is still in a handler (hung, or parked after a crash) keeps its
            // daemon: stopping it would pull the connections from under that thread.
            let stopped = lanes.stop(deadline: .milliseconds(500))
            if !lanes.untracked.load(ordering: .acquiring) {
                for (index, daemon) in lanes.daemons.enumerated() where stopped || lanes.stopped(index) {
                    MHD_stop_daemon(daemon)
                }
            }
        } else {
            MHD_stop_daemon(taken.daemon)
        }
        // Closed only after MHD_stop_daemon: until then a polling thread may still use it.
        taken.socket?.closeIfOwned()
        lifecycle.withLock { state in
            state.stage = .stopped
            state.daemon = nil
            state.gate = nil
            state.lanes = nil
        }
    }

    /// Starts libmicrohttpd without a listening socket of its own: the gate accepts and hands over.
    private func startDaemon(_ configuration: ServerConfiguration, gate: ConnectionGate) -> OpaquePointer? {
        let flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
        let pointer = Unmanaged.passUnretained(context).toOpaque()
        // The gate enforces the limits; libmicrohttpd's own is only a backstop above them (its
        // limit is per polling thread, and it refuses silently).
        let backstop = configuration.connectionLimit > 0 ? configuration.connectionLimit + 64 : 1 << 20
        return berth_mhd_start_gated(
            flags,
            berthAccessHandler, pointer,
            berthRequestCompleted, pointer,
            berthConnectionNotice, Unmanaged.passUnretained(gate).toOpaque(),
            berthScreenURI, pointer,
            UInt32(clamping: max(1, configuration.threads)),
            UInt32(clamping: backstop),
            UInt32(clamping: max(0, configuration.idleTimeoutSeconds)),
            max(4096, configuration.connectionMemoryLimit)
        )
    }

    /// One daemon per lane, in external polling mode (the lanes' threads drive them), with the
    /// lanes' access handler in front of ours.
    private func startLanes(_ configuration: ServerConfiguration, gate: ConnectionGate) -> (PollingLanes, [OpaquePointer])? {
        let count = max(1, configuration.threads)
        guard let lanes = PollingLanes(context: context, count: count, tickMilliseconds: configuration.takeoverTickMilliseconds) else { return nil }
        let flags = MHD_USE_EPOLL.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
        let pointer = Unmanaged.passUnretained(context).toOpaque()
        let backstop = configuration.connectionLimit > 0 ? configuration.connectionLimit + 64 : 1 << 20
        var daemons: [OpaquePointer] = []
        for _ in 0 ..< count {
            guard let daemon = berth_mhd_start_gated(
                flags,
                berth_lane_access, pointer,
                berthRequestCompleted, pointer,
                berthConnectionNotice, Unmanaged.passUnretained(gate).toOpaque(),
                berthScreenURI, pointer,
                1,
                UInt32(clamping: backstop),
                UInt32(clamping: max(0, configuration.idleTimeoutSeconds)),
                max(4096, configuration.connectionMemoryLimit)
            ) else {
                for daemon in daemons { MHD_stop_daemon(daemon) }
                return nil
            }
            daemons.append(daemon)
        }
        lanes.released = { [gate] descriptor, peer in
            gate.ledger.closed(descriptor)
            gate.released(peer)
        }
        guard lanes.attach(daemons), lanes.start() == 0 else {
            _ = lanes.stop(deadline: .milliseconds(100))
            for daemon in daemons { MHD_stop_daemon(daemon) }
            return nil
        }
        return (lanes, daemons)
    }

    static func gateLimits(_ configuration: ServerConfiguration) -> ConnectionGate.Limits {
        let headTimeout = Duration.milliseconds(Int64(max(0.05, configuration.headTimeoutSeconds) * 1000))
        return ConnectionGate.Limits(
            totalConnections: max(0, configuration.connectionLimit),
            connectionsPerAddress: max(0, configuration.perIPConnectionLimit),
            headTimeout: headTimeout,
            laterHeadTimeout: configuration.idleTimeoutSeconds > 0 ? .seconds(configuration.idleTimeoutSeconds) + headTimeout : nil,
            maxHeadBytes: max(1024, configuration.maxHeadBytes),
            framing: RequestFraming(maxQueryParameters: max(1, configuration.maxQueryParameters), maxHeaderFields: max(1, configuration.maxHeaderFields)),
            host: configuration.hostAdmission
        )
    }

    /// Polls `done` every millisecond until it holds or `deadline` passes. Stop is synchronous and
    /// rare, so a short sleep loop is simpler than wiring a signal through every completion.
    private func wait(until deadline: ContinuousClock.Instant, _ done: () -> Bool) {
        while !done() && ContinuousClock.now < deadline { pause() }
    }

    private func pause() {
        usleep(1000)
    }
}
