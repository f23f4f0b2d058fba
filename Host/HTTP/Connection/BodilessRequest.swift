import CMicroHTTPD
import PluginAPI

/// The path of a request without a body, taken on its final access-handler call.
///
/// Such a request has nothing to read between its first call and its final one, so the first call
/// parks ``marker`` in `*con_cls` instead of allocating a ``RequestState``. The final call routes
/// it, and answers a synchronous handler, a 404 or a 405 with nothing allocated but the request
/// itself, and an async handler that finishes before it suspends with only its ``HandlerRun``
/// besides; only a handler that did suspend gets a ``RequestState``, which then replaces the
/// marker and is released by the completion notice like any other.
enum BodilessRequest {
    /// What `*con_cls` holds between the first and the final call: an address no object can have
    /// (objects are aligned), never dereferenced.
    static var marker: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

    /// The final call: answers the request, or hands it to a ``RequestState`` parked in `*con_cls`.
    static func answer(
        method name: UnsafePointer<CChar>,
        url: UnsafePointer<CChar>,
        on connection: MHDConnection,
        context: ServerContext,
        requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        let method = RequestState.method(named: name)
        let path = String(cString: url)
        let closing = context.draining.load(ordering: .relaxed)
        let requestID = RequestIdentifier.resolve(on: connection)
        switch context.currentRoutes.match(method, path) {
        case .notFound:
            return connection.queue(ErrorResponse.notFound(method, path), closing: closing, requestID: requestID)
        case .methodNotAllowed(let allowed):
            return connection.queue(ErrorResponse.methodNotAllowed(method, path, allowed: allowed), closing: closing, requestID: requestID)
        case .found(let endpoint, let parameters):
            if context.refusing.load(ordering: .relaxed) {
                return connection.queue(ErrorResponse.shuttingDown(), closing: true, requestID: requestID)
            }
            if let immediate = endpoint.immediate {
                // On a polling lane the takeover makes the state a new thread suspends, if it must.
                let window = context.takesOver ? LaneWindow(state: nil, requestContext: requestContext, requestID: requestID) : nil
                let response = RequestState.answerImmediately(immediate, of: endpoint, requestID: requestID, on: connection, context: context, window: window) {
                    RequestState.makeRequest(method: method, path: path, body: [], parameters: parameters, requestID: requestID, on: connection)
                }
                if let response { return connection.queue(response, closing: closing, requestID: requestID) }
                // Taken over: the state the takeover parked in `*con_cls` holds the response.
                if window != nil { return .YES }
            }
            // The synchronous handler, if any, was already offered the request above.
            return answerAsync(endpoint, method: method, path: path, parameters: parameters, requestID: requestID, on: connection, context: context, requestContext: requestContext)
        }
    }

    /// Starts the async handler of `endpoint`. A handler that finishes before it suspends, the
    /// usual case, is answered here with nothing allocated for the request but its run; only one
    /// that suspended gets a ``RequestState``, parked in `*con_cls` for the call that collects its
    /// response once the connection is resumed (a takeover of the lane makes it itself).
    private static func answerAsync(
        _ endpoint: Endpoint,
        method: HTTPMethod,
        path: String,
        parameters: [String: String],
        requestID: String,
        on connection: MHDConnection,
        context: ServerContext,
        requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        let request = RequestState.makeRequest(method: method, path: path, body: [], parameters: parameters, requestID: requestID, on: connection)
        let run = HandlerRun(handler: endpoint.handler, request: request, upload: nil, connection: connection.pointer, context: context)
        var window = context.takesOver ? LaneWindow(state: nil, requestContext: requestContext, requestID: requestID, run: run) : nil
        if RequestState.launch(run, of: endpoint, on: connection, context: context, window: &window) { return .YES }
        if run.phase.load(ordering: .acquiring) == .completed {
            return connection.queue(run.takeCompletedResponse(), closing: context.draining.load(ordering: .relaxed), requestID: requestID)
        }
        let state = RequestState(method: method, path: path, requestID: requestID, endpoint: endpoint, parameters: parameters)
        state.run = run
        requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
        return state.collect(run, on: connection, context: context)
    }
}
