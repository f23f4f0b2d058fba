/// Watches every handler the server runs, e.g. to answer a request whose handler crashed or hangs
/// by writing to its socket directly.
///
/// The three calls bracket one handler: ``handlerWillStart(owner:socket:)`` on the thread the
/// handler is about to start on, ``handlerLeftThread(_:)`` on that thread once the handler returned
/// or suspended (code running on that thread from then on is not the handler's), and
/// ``handlerDidFinish(_:)`` on whatever thread the handler finished on, before its response is
/// queued. They run on the request path: keep them to a few atomic operations.
public protocol HandlerObserver: Sendable {
    /// Whether `owner`'s handlers start on the global concurrent executor rather than on the
    /// libmicrohttpd thread that read the request. Costs a hop per request, but a handler that
    /// never returns its thread (it blocks, or crashed and its thread is parked) then holds no
    /// polling thread, so the other connections that thread serves keep flowing.
    func startsOffPollingThread(owner: String) -> Bool

    /// Whether the server should run every handler inline on polling threads that a monitor takes
    /// over when a handler keeps one (see ``ServerConfiguration/takesOverBlockedThreads``); then
    /// ``startsOffPollingThread(owner:)`` is not asked. False by default.
    var takesOverPollingThreads: Bool { get }

    /// The handler of `owner` (``Endpoint/owner``) starts for the connection on `socket`.
    /// - Returns: a ticket for the two other calls.
    func handlerWillStart(owner: String, socket: Int32) -> Int32

    /// The handler of `endpoint` starts for the request `requestID` on `socket`, e.g. so that a crash
    /// report can name the route and the request; by default ``handlerWillStart(owner:socket:)``.
    /// - Returns: a ticket for the two other calls.
    func handlerWillStart(_ endpoint: Endpoint, requestID: String, socket: Int32) -> Int32

    /// The handler no longer runs on the thread that started it.
    func handlerLeftThread(_ ticket: Int32)

    /// The handler returned.
    func handlerDidFinish(_ ticket: Int32)
}

extension HandlerObserver {
    /// By default handlers start where ``startsOffPollingThread(owner:)`` says.
    public var takesOverPollingThreads: Bool { false }

    /// By default the owner is all an observer learns.
    public func handlerWillStart(_ endpoint: Endpoint, requestID: String, socket: Int32) -> Int32 {
        handlerWillStart(owner: endpoint.owner, socket: socket)
    }
}
