import PluginAPI
import Synchronization

/// One handler invocation, shared between the MHD thread that started it and the task that runs it.
///
/// The handler starts with `Task.immediate` on the MHD thread. If it finishes before its first real
/// suspension, the MHD thread queues the response inline; otherwise the connection is suspended and
/// the completion resumes it. ``phase`` settles the race between "the MHD thread suspends" and "the
/// handler completes", which can happen in either order.
final class HandlerRun: Sendable {
    /// Where the run stands; every transition is a single atomic step, so exactly one side resumes a
    /// suspended connection.
    enum Phase: UInt8, AtomicRepresentable {
        /// The handler runs and the connection is not (yet) suspended.
        case running
        /// The MHD thread suspended the connection; the completion must resume it.
        case suspended
        /// The handler returned; its response is in the slot.
        case completed
        /// Stop gave up on the handler and resumed the connection to answer 503.
        case abandoned
    }

    /// The current phase.
    let phase = Atomic<Phase>(.running)

    /// The connection to resume. Raw pointers are not Sendable; this one stays valid while the
    /// connection is suspended (libmicrohttpd neither times out nor closes suspended connections) and
    /// is only used to resume it, under the context's suspension lock.
    nonisolated(unsafe) let connection: OpaquePointer

    /// The server state that tracks suspended connections.
    let context: ServerContext

    /// The handler and its arguments. Kept here rather than captured by the task's closure, which
    /// then captures only the run: the request is built once, in place, instead of being copied into
    /// the closure's context (a retain of each field, then a release of each for the original).
    let handler: EndpointHandler
    let request: Request
    let upload: UploadedFile?

    private let slot = Mutex<Response?>(nil)

    init(handler: @escaping EndpointHandler, request: Request, upload: UploadedFile?, connection: OpaquePointer, context: ServerContext) {
        self.handler = handler
        self.request = request
        self.upload = upload
        self.connection = connection
        self.context = context
    }

    /// The run of a synchronous handler whose lane was taken over while it ran: its thread stores
    /// the response here when the handler returns (see `PollingLanes`).
    convenience init(takenOverOn connection: OpaquePointer, requestID: String, context: ServerContext) {
        self.init(
            handler: { _, _ in ErrorResponse.make(status: 500, code: "internal_error", message: "The handler produced no response.") },
            request: Request(method: HTTPMethod(rawValue: "GET"), path: "", requestID: requestID),
            upload: nil,
            connection: connection,
            context: context
        )
    }

    /// Stores the handler's response and, if the MHD thread already suspended the connection,
    /// resumes it. Runs on whatever thread the handler finished on.
    func complete(with response: Response) {
        slot.withLock { $0 = response }
        if phase.exchange(.completed, ordering: .acquiringAndReleasing) == .suspended {
            context.resume(self)
        }
    }

    /// The stored response, taken once.
    func takeResponse() -> Response? {
        slot.withLock { $0.take() }
    }

    /// The response of a completed run, or a 500 if it left none.
    func takeCompletedResponse() -> Response {
        takeResponse() ?? ErrorResponse.make(status: 500, code: "internal_error", message: "The handler produced no response.")
    }

    /// Marks a suspended run abandoned; true if this call won, and the caller must resume it.
    func abandonIfSuspended() -> Bool {
        phase.compareExchange(expected: .suspended, desired: .abandoned, ordering: .acquiringAndReleasing).exchanged
    }
}
