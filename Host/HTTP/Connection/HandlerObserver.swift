/// Watches every handler the server runs, e.g. to answer a request whose handler crashed or hangs
/// by writing to its socket directly.
///
/// The three calls bracket one handler: ``handlerWillStart(owner:socket:)`` on the libmicrohttpd
/// thread right before the handler starts there, ``handlerLeftThread(_:)`` on that thread once the
/// handler returned or suspended (code running on that thread from then on is not the handler's),
/// and ``handlerDidFinish(_:)`` on whatever thread the handler finished on, before its response is
/// queued. They run on the request path: keep them to a few atomic operations.
public protocol HandlerObserver: Sendable {
    /// The handler of `owner` (``Endpoint/owner``) starts for the connection on `socket`.
    /// - Returns: a ticket for the two other calls.
    func handlerWillStart(owner: String, socket: Int32) -> Int32

    /// The handler no longer runs on the thread that started it.
    func handlerLeftThread(_ ticket: Int32)

    /// The handler returned.
    func handlerDidFinish(_ ticket: Int32)
}
