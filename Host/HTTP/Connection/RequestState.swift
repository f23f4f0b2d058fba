import CMicroHTTPD
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// What the server knows about one request, from its first access-handler call to its completion
/// notice.
///
/// libmicrohttpd hands it back through `*con_cls`, which holds one retain (taken on the first call,
/// dropped in the completion callback). It is only touched on the connection's MHD thread: in thread
/// pool mode a connection stays on one thread, and the handler's task sees a ``HandlerRun``, never
/// this object. On polling lanes (``ServerConfiguration/takesOverBlockedThreads``) the thread that
/// takes a lane over becomes that thread: it sets ``run`` while the old thread is still inside the
/// handler, and the old one reads it only after the takeover is published (see `CBerthLanes.h`).
final class RequestState {
    let method: HTTPMethod
    let path: String
    /// The id sent back in `X-Request-ID` (see ``RequestIdentifier``).
    let requestID: String

    /// The endpoint found on the first call, when there is one.
    var endpoint: Endpoint?
    var parameters: [String: String] = [:]

    /// An answer decided before the handler could run (404, 405, 413, a spool failure), queued on the
    /// final call, or on the first if the body would otherwise have to be read.
    var refusal: Response?

    /// The body so far, for buffered routes.
    var body: [UInt8] = []

    /// The file receiving the body, for spooled routes; created with the first chunk.
    var spool: BodySpool?

    /// Body bytes received so far, kept or not.
    var received = 0

    /// The upload slot a spooled body holds until the request's state goes.
    var uploadSlot: UploadSlot?

    /// The handler invocation, once started.
    var run: HandlerRun?

    /// When the first call of a request with a body came, for the body's pace (see
    /// ``ServerConfiguration/minimumBodyBytesPerSecond``).
    var bodyStarted: ContinuousClock.Instant?

    init(method: UnsafePointer<CChar>, url: UnsafePointer<CChar>, requestID: String) {
        self.method = RequestState.method(named: method)
        self.path = String(cString: url)
        self.requestID = requestID
    }

    /// State for a request already routed, without a body (see ``BodilessRequest``).
    init(method: HTTPMethod, path: String, requestID: String, endpoint: Endpoint, parameters: [String: String]) {
        self.method = method
        self.path = path
        self.requestID = requestID
        self.endpoint = endpoint
        self.parameters = parameters
    }

    /// State made by a lane's takeover for a request that had none (see ``LaneWindow``): it only
    /// holds the run the handler completes and the id its answer carries.
    init(takenOverWithID requestID: String) {
        self.method = HTTPMethod(rawValue: "GET")
        self.path = ""
        self.requestID = requestID
    }

    /// The method named by `name`: a common one from a literal, sparing the length scan, UTF-8
    /// validation and copy of `String(cString:)` on every request.
    static func method(named name: UnsafePointer<CChar>) -> HTTPMethod {
        if strcmp(name, "GET") == 0 { return HTTPMethod(rawValue: "GET") }
        if strcmp(name, "POST") == 0 { return HTTPMethod(rawValue: "POST") }
        if strcmp(name, "HEAD") == 0 { return HTTPMethod(rawValue: "HEAD") }
        return HTTPMethod(rawValue: String(cString: name))
    }

    /// The first call of a request with a body: route lookup and the checks that need no body.
    /// A refusal is answered at once, closing the connection, since the body would otherwise have to
    /// be read first.
    func begin(on connection: MHDConnection, context: ServerContext, contentLength: Int?) -> MHD_Result {
        bodyStarted = .now
        switch context.currentRoutes.match(method, path) {
        case .notFound:
            refusal = ErrorResponse.notFound(method, path)
        case .methodNotAllowed(let allowed):
            refusal = ErrorResponse.methodNotAllowed(method, path, allowed: allowed)
        case .found(let endpoint, let parameters):
            self.endpoint = endpoint
            self.parameters = parameters
            if endpoint.headerCheck != nil || endpoint.body.spools {
                refusal = admit(endpoint, on: connection, context: context, contentLength: contentLength)
            }
            if refusal == nil, let contentLength {
                if contentLength > endpoint.body.limit {
                    refusal = ErrorResponse.payloadTooLarge(limit: endpoint.body.limit)
                } else if !endpoint.body.spools {
                    body.reserveCapacity(contentLength)
                }
            }
        }
        // `refusal != nil` rather than `if let`: binding a resilient optional copies it, even nil.
        if refusal != nil {
            return connection.queue(refusal!, closing: true, requestID: requestID)
        }
        return .YES
    }

    /// Every later call: a body chunk, or the final call that runs the handler or collects its
    /// response.
    func proceed(
        on connection: MHDConnection,
        context: ServerContext,
        data: UnsafePointer<CChar>?,
        size: UnsafeMutablePointer<Int>
    ) -> MHD_Result {
        if size.pointee > 0 {
            if let bodyStarted, isTooSlow(since: bodyStarted, configuration: context.configuration) {
                return refuseSlowBody(on: connection, configuration: context.configuration)
            }
            let accepted = receive(UnsafeRawBufferPointer(start: data, count: size.pointee), context: context)
            size.pointee = 0
            return accepted ? .YES : .NO
        }
        if let run {
            return collect(run, on: connection, context: context)
        }
        if refusal != nil {
            return connection.queue(refusal!, closing: context.draining.load(ordering: .relaxed), requestID: requestID)
        }
        guard let endpoint else {
            return connection.queue(ErrorResponse.notFound(method, path), closing: true, requestID: requestID)
        }
        if context.refusing.load(ordering: .relaxed) {
            return connection.queue(ErrorResponse.shuttingDown(), closing: true, requestID: requestID)
        }
        return dispatch(endpoint, on: connection, context: context)
    }
}
