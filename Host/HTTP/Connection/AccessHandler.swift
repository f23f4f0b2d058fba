import CMicroHTTPD
import PluginAPI

// libmicrohttpd's callbacks. They live here, not in an executable's main.swift, because top-level
// code there is main-actor isolated and Swift's isolation check traps when a C thread calls it.

/// The access handler: called once when the headers are in, once per body chunk, and once more (the
/// final call) when the request is complete — again after each resume. The first call creates the
/// request's state and parks one retain of it in `*con_cls`, or, for a request without a body,
/// parks ``BodilessRequest/marker`` there and leaves the work to the final call. Before either, it
/// refuses a request whose framing is ambiguous (``RequestState/framingAnswer(on:url:version:rawTargetLength:context:framing:)``).
func berthAccessHandler(
    _ context: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?,
    _ version: UnsafePointer<CChar>?,
    _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let context, let connection, let uploadDataSize, let requestContext else { return .NO }
    // The HTTPServer holds its context for as long as the daemon calls back: borrowed, not retained.
    return Unmanaged<ServerContext>.fromOpaque(context)._withUnsafeGuaranteedRef { server in
        access(server, MHDConnection(pointer: connection), url, method, version, uploadData, uploadDataSize, requestContext)
    }
}

/// The access handler's work, with the server borrowed for the call.
private func access(
    _ server: ServerContext,
    _ handle: MHDConnection,
    _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?,
    _ version: UnsafePointer<CChar>?,
    _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>
) -> MHD_Result {
    // The URI screen leaves a length tag for a target that passed: that is still the first call.
    if let existing = requestContext.pointee, !URIScreen.isLengthTag(existing) {
        if existing == BodilessRequest.marker {
            guard let url, let method else { return .NO }
            return BodilessRequest.answer(method: method, url: url, on: handle, context: server, requestContext: requestContext)
        }
        if URIScreen.isMark(existing) {
            // Marked by the URI screen before the first call; never counted as active.
            requestContext.pointee = nil
            server.connections.started(handle.socket)
            return handle.queue(URIScreen.refusal(for: existing, maxQueryParameters: server.maxQueryParameters), closing: true, requestID: RequestIdentifier.resolve(on: handle))
        }
        let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
        return state.proceed(on: handle, context: server, data: uploadData, size: uploadDataSize)
    }
    guard let url, let method else { return .NO }
    let socket = handle.socket
    let framing: RequestState.BodyFraming
    if server.connections.isUnstarted(socket) {
        // The connection's first request: the gate checked its raw head whole before the hand-over.
        framing = RequestState.BodyFraming(contentLength: handle.contentLength, chunked: handle.header("Transfer-Encoding") != nil)
    } else {
        var checked = RequestState.BodyFraming(contentLength: nil, chunked: false)
        let screenedLength = requestContext.pointee.map(URIScreen.screenedLength)
        if let answer = RequestState.framingAnswer(on: handle, url: url, version: version, rawTargetLength: screenedLength, context: server, framing: &checked) {
            // Never counted as active, like the URI screen's refusals.
            requestContext.pointee = nil
            server.connections.started(socket)
            return RequestState.refuse(answer, on: handle)
        }
        framing = checked
    }
    // Active before no longer unstarted: a drain reads them in the other order.
    server.activeRequests.wrappingAdd(1, ordering: .sequentiallyConsistent)
    server.connections.started(socket)
    let contentLength = framing.contentLength
    if !framing.hasBody {
        // Nothing to read before the final call: route it then, and allocate state only if its
        // handler may suspend.
        requestContext.pointee = BodilessRequest.marker
        return .YES
    }
    let state = RequestState(method: method, url: url, requestID: RequestIdentifier.resolve(on: handle))
    requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
    return state.begin(on: handle, context: server, contentLength: contentLength)
}

/// The completion notice: called once for every request the access handler saw, however it ended
/// (answered, client gone, timeout, daemon stopping). Drops the retain taken on the first call (if
/// it parked state rather than the marker) and clears `*con_cls` so that nothing can release it twice.
func berthRequestCompleted(
    _ context: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ termination: MHD_RequestTerminationCode
) {
    guard let context else { return }
    Unmanaged<ServerContext>.fromOpaque(context)._withUnsafeGuaranteedRef { server in
        if let connection { server.connections.ended(berth_mhd_connection_fd(connection)) }
        guard let requestContext, let existing = requestContext.pointee else { return }
        requestContext.pointee = nil
        // A request the URI screen marked and that ended before its first call was never counted.
        if URIScreen.isMark(existing) { return }
        if existing != BodilessRequest.marker {
            Unmanaged<RequestState>.fromOpaque(existing).release()
        }
        server.activeRequests.wrappingSubtract(1, ordering: .releasing)
    }
}
