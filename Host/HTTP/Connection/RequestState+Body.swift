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
