import PluginAPI

/// The checks a request with a body passes on its first call, from its header fields alone, before
/// any body byte is read.
extension RequestState {
    /// The endpoint's header check, then, for a spooled body, the upload bound and the disk reserve.
    /// - Returns: the refusal to answer (the connection is then closed), or nil to read the body.
    func admit(_ endpoint: Endpoint, on connection: MHDConnection, context: ServerContext, contentLength: Int?) -> Response? {
        if let check = endpoint.headerCheck, let refusal = check(connection.headers(), connection.clientAddress) {
            return refusal
        }
        guard endpoint.body.spools else { return nil }
        switch UploadAdmission.takeSlot(in: context, incoming: contentLength ?? 0) {
        case .failure(let refusal): return refusal.response
        case .success(let slot): uploadSlot = slot
        }
        let configuration = context.configuration
        return UploadAdmission.storageRefusal(
            directory: configuration.spoolDirectory, incoming: contentLength ?? 0, reserve: configuration.spoolReserveBytes,
            othersAnnounced: uploadSlot?.othersAnnounced ?? 0
        )
    }

    /// Every this many spooled bytes the free space is checked again (a chunked upload announces no
    /// size up front).
    static let storageCheckInterval = 8 << 20
}
