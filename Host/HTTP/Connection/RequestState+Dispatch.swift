import CBerthLanes
import CMicroHTTPD
import PluginAPI

/// Running the handler without ever blocking an MHD thread on Swift concurrency.
extension RequestState {
    /// Answers with a synchronous handler right here when the endpoint has one, else starts the
    /// handler in a task (``startTask(_:on:context:)``).
    func dispatch(_ endpoint: Endpoint, on connection: MHDConnection, context: ServerContext) -> MHD_Result {
        if let immediate = endpoint.immediate, spool == nil {
            let window = context.takesOver ? LaneWindow(state: self, requestContext: nil, requestID: requestID) : nil
            let response = Self.answerImmediately(immediate, of: endpoint, requestID: requestID, on: connection, context: context, window: window) {
                takeRequest(on: connection)
            }
            if let response {
                return connection.queue(response, closing: context.draining.load(ordering: .relaxed), requestID: requestID)
            }
            // Taken over: the handler's response went to the suspended connection's run.
            if run != nil { return .YES }
        }
        return startTask(endpoint, on: connection, context: context)
    }

    /// Starts the handler with `Task.immediate`, which runs it on this MHD thread up to its first
    /// suspension (a fraction of a microsecond, against several for a hop to the global executor).
    func startTask(_ endpoint: Endpoint, on connection: MHDConnection, context: ServerContext) -> MHD_Result {
        let run = HandlerRun(
            handler: endpoint.handler,
            request: takeRequest(on: connection),
            upload: spool?.handOff(),
            connection: connection.pointer,
            context: context
        )
        spool = nil
        self.run = run
        var window = context.takesOver ? LaneWindow(state: self, requestContext: nil, requestID: requestID) : nil
        // Taken over: the new thread suspended the connection; the completion resumes it.
        if Self.launch(run, of: endpoint, on: connection, context: context, window: &window) { return .YES }
        return collect(run, on: connection, context: context)
    }

    /// Starts `run`'s handler: with `Task.immediate` on this thread, inside the lane's handler
    /// window when `window` is set, bracketed by the observer's calls when there is an observer, or
    /// in a task off this thread when the observer wants that.
    /// - Returns: whether the lane was taken over meanwhile (the connection is then suspended for
    ///   the run, and the caller must not touch libmicrohttpd).
    static func launch(_ run: HandlerRun, of endpoint: Endpoint, on connection: MHDConnection, context: ServerContext, window: inout LaneWindow?) -> Bool {
        guard context.observesHandlers, let observer = context.configuration.handlerObserver else {
            return LaneWindow.run(&window, on: connection) {
                Task.immediate {
                    let response = await run.handler(run.request, run.upload)
                    if let upload = run.upload { BodySpool.remove(upload) }
                    run.complete(with: response)
                }
            }
        }
        let socket = connection.socket
        if window == nil, observer.startsOffPollingThread(owner: endpoint.owner) {
            Task { RequestState.start(run, observed: observer, endpoint: endpoint, socket: socket) }
            return false
        }
        // Called directly, not through a shared closure: that closure's context would be an
        // allocation per request even when nothing escapes.
        return LaneWindow.run(&window, on: connection, { Self.start(run, observed: observer, endpoint: endpoint, socket: socket) })
    }

    /// Calls a synchronous handler right here, bracketed by the observer's calls when there is an
    /// observer; `nil` when the observer wants the handler off this thread, which takes a task (and
    /// then `request` is not called), or when the lane was taken over while it ran (`window`: set
    /// on polling lanes), after giving the response to the run the new thread suspended the
    /// connection for.
    static func answerImmediately(
        _ immediate: ImmediateEndpointHandler,
        of endpoint: Endpoint,
        requestID: String,
        on connection: MHDConnection,
        context: ServerContext,
        window: LaneWindow? = nil,
        request: () -> Request
    ) -> Response? {
        var window = window
        var response: Response?
        guard context.observesHandlers, let observer = context.configuration.handlerObserver else {
            let request = request()
            guard window != nil else { return immediate(request) }
            let takenOver = LaneWindow.run(&window, on: connection) { response = immediate(request) }
            return takenOver ? handOver(response!, to: window!) : response
        }
        if window == nil, observer.startsOffPollingThread(owner: endpoint.owner) { return nil }
        let request = request()
        let ticket = observer.handlerWillStart(endpoint, requestID: requestID, socket: connection.socket)
        let takenOver = LaneWindow.run(&window, on: connection) {
            response = immediate(request)
            observer.handlerDidFinish(ticket)
            observer.handlerLeftThread(ticket)
        }
        return takenOver ? handOver(response!, to: window!) : response
    }

    /// The lane was taken over while the handler ran: its response goes to the run the new thread
    /// suspended the connection for, which answers when the connection is resumed.
    private static func handOver(_ response: Response, to window: LaneWindow) -> Response? {
        window.state?.run?.complete(with: response)
        return nil
    }

    /// On the new thread of a lane taken over while this request's handler ran: suspends the
    /// connection for the handler's completion. False if stop had closed the registry (the
    /// connection is suspended all the same, untracked).
    func suspendForTakeover(on connection: MHDConnection, context: ServerContext) -> Bool {
        let run: HandlerRun
        if let existing = self.run {
            run = existing
        } else {
            run = HandlerRun(takenOverOn: connection.pointer, requestID: requestID, context: context)
            self.run = run
        }
        guard context.registerSuspension(run) else {
            connection.suspend()
            return false
        }
        connection.suspend()
        if !run.phase.compareExchange(expected: .running, desired: .suspended, ordering: .acquiringAndReleasing).exchanged {
            context.resume(run)
        }
        return true
    }

    /// The request the handler sees, from the request line's parts and the connection's fields.
    static func makeRequest(method: HTTPMethod, path: String, body: [UInt8], parameters: [String: String], requestID: String, on connection: MHDConnection) -> Request {
        var request = Request(
            method: method,
            path: path,
            query: connection.queryArguments(),
            headers: connection.headers(),
            body: body,
            parameters: parameters,
            requestID: requestID
        )
        request.remoteAddress = connection.clientAddress
        return request
    }

    /// The request the handler sees; the body moves into it.
    private func takeRequest(on connection: MHDConnection) -> Request {
        let request = Self.makeRequest(method: method, path: path, body: body, parameters: parameters, requestID: requestID, on: connection)
        body = []
        return request
    }

    /// Starts the handler with `Task.immediate` on the calling thread, bracketed by the observer's
    /// calls: the part before its first suspension is exactly what runs between them.
    private static func start(_ run: HandlerRun, observed observer: any HandlerObserver, endpoint: Endpoint, socket: Int32) {
        let ticket = observer.handlerWillStart(endpoint, requestID: run.request.requestID, socket: socket)
        Task.immediate {
            let response = await run.handler(run.request, run.upload)
            if let upload = run.upload { BodySpool.remove(upload) }
            observer.handlerDidFinish(ticket)
            run.complete(with: response)
        }
        observer.handlerLeftThread(ticket)
    }

    /// Queues the handler's response if it is ready, or suspends the connection until it is.
    /// Called right after dispatch and again when a resumed connection comes back.
    func collect(_ run: HandlerRun, on connection: MHDConnection, context: ServerContext) -> MHD_Result {
        switch run.phase.load(ordering: .acquiring) {
        case .completed:
            return connection.queue(run.takeCompletedResponse(), closing: context.draining.load(ordering: .relaxed), requestID: requestID)
        case .abandoned:
            return connection.queue(ErrorResponse.shuttingDown(), closing: true, requestID: requestID)
        case .running:
            return suspend(run, on: connection, context: context)
        case .suspended:
            // Only the completion or stop resume a suspended connection, and both change the phase
            // first; nothing to do until then.
            return .YES
        }
    }

    /// Suspends the connection until the handler completes.
    ///
    /// The completion may land at any point here. Suspending before publishing `.suspended` means
    /// that whoever resumes always finds the connection suspended: if the completion came first, the
    /// exchange fails and this thread resumes the connection itself, and libmicrohttpd calls back to
    /// collect the response.
    private func suspend(_ run: HandlerRun, on connection: MHDConnection, context: ServerContext) -> MHD_Result {
        guard context.registerSuspension(run) else {
            // Stop no longer waits for handlers: answer now instead of suspending past its deadline.
            if run.phase.compareExchange(expected: .running, desired: .abandoned, ordering: .acquiringAndReleasing).exchanged {
                return connection.queue(ErrorResponse.shuttingDown(), closing: true, requestID: requestID)
            }
            return collect(run, on: connection, context: context)
        }
        connection.suspend()
        if !run.phase.compareExchange(expected: .running, desired: .suspended, ordering: .acquiringAndReleasing).exchanged {
            context.resume(run)
        }
        return .YES
    }
}
