import CMicroHTTPD
import PluginAPI

/// Reading the body. libmicrohttpd 0.9.75 refuses a response queued while the body is still
/// arriving, so a body that turns out too large (a chunked upload has no Content-Length to check up
/// front) is drained and discarded, and the 413 goes out on the final call.
extension RequestState {
    /// Takes one chunk; false when the client keeps sending far past the limit, which tells
    /// libmicrohttpd to drop the connection instead of draining forever.
    func receive(_ chunk: UnsafeRawBufferPointer, context: ServerContext) -> Bool {
        received += chunk.count
        guard refusal == nil, let endpoint else {
            return received <= RequestState.drainAllowance(endpoint?.body.limit ?? 0)
        }
        let limit = endpoint.body.limit
        guard received <= limit else {
            refuse(ErrorResponse.payloadTooLarge(limit: limit))
            return true
        }
        guard endpoint.body.spools else {
            body.append(contentsOf: chunk)
            return true
        }
        do throws(SystemCallError) {
            if spool == nil { spool = try BodySpool(in: context.configuration.spoolDirectory) }
            try spool?.write(chunk)
        } catch {
            refuse(ErrorResponse.spoolFailed(error, directory: context.configuration.spoolDirectory))
            return true
        }
        if received / Self.storageCheckInterval != (received - chunk.count) / Self.storageCheckInterval,
           let refusal = UploadAdmission.storageRefusal(
               directory: context.configuration.spoolDirectory, incoming: 0, reserve: context.configuration.spoolReserveBytes,
               othersAnnounced: uploadSlot?.othersAnnounced ?? 0
           ) {
            refuse(refusal)
        }
        return true
    }

    /// Whether the body so far fell behind the pace ``ServerConfiguration/minimumBodyBytesPerSecond``
    /// asks after ``ServerConfiguration/bodyGraceSeconds``. A monotonic clock read per chunk.
    func isTooSlow(since started: ContinuousClock.Instant, configuration: ServerConfiguration) -> Bool {
        let rate = configuration.minimumBodyBytesPerSecond
        guard rate > 0 else { return false }
        let allowed = configuration.bodyGraceSeconds + Double(received) / Double(rate)
        let elapsed = started.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18 > allowed
    }

    /// Answers a body that came too slowly and ends the connection. libmicrohttpd 0.9.75 cannot
    /// queue an answer while the body is arriving, so the server writes it on the socket itself and
    /// tells libmicrohttpd to close.
    func refuseSlowBody(on connection: MHDConnection, configuration: ServerConfiguration) -> MHD_Result {
        let socket = connection.socket
        if socket >= 0 {
            GateResponse.send(
                status: 408, code: "request_body_too_slow",
                message: "The request body arrived slower than \(configuration.minimumBodyBytesPerSecond) bytes per second after the first \(configuration.bodyGraceSeconds) seconds (\(received) bytes so far).",
                retryAfter: nil, on: socket
            )
        }
        refuse(ErrorResponse.make(status: 408, code: "request_body_too_slow", message: "The request body arrived too slowly."))
        return .NO
    }

    /// Records a refusal and frees what the body used so far.
    private func refuse(_ response: Response) {
        refusal = response
        body = []
        spool = nil
    }

    /// How much of a refused body the server reads and throws away before giving up on answering.
    private static func drainAllowance(_ limit: Int) -> Int {
        limit + (16 << 20)
    }
}
