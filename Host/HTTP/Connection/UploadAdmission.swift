import BerthTraffic
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The limits on spooled uploads that need no body byte: how many may be received at once, and how
/// much free space the spool's file system must keep.
enum UploadAdmission {
    /// Takes one of the ``ServerConfiguration/maxConcurrentUploads`` slots for an upload announcing
    /// `incoming` bytes, or answers 503 when all are taken. With
    /// ``ServerConfiguration/hostAdmission`` the slots are the host's, shared by every worker.
    /// The slot is given back when the returned object goes (with the request's state).
    static func takeSlot(in context: ServerContext, incoming: Int = 0) -> Result<UploadSlot, Refusal> {
        let limit = context.configuration.maxConcurrentUploads
        if let host = context.configuration.hostAdmission {
            if host.beginUpload(limit: max(0, limit), bytes: incoming) != nil { return .failure(tooMany(limit)) }
            return .success(UploadSlot(host: host, bytes: incoming))
        }
        let taken = context.activeUploads.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        let slot = UploadSlot(context: context)
        guard limit <= 0 || taken <= limit else { return .failure(tooMany(limit)) }
        return .success(slot)
    }

    private static func tooMany(_ limit: Int) -> Refusal {
        var response = ErrorResponse.make(
            status: 503, code: "too_many_uploads",
            message: "\(limit) uploads are being received already, the most this server takes at once: retry once one has finished."
        )
        response.headers.add(name: "Retry-After", value: "5")
        return Refusal(response: response)
    }

    /// A 507 when writing `incoming` more bytes into `directory` would leave less than
    /// ``ServerConfiguration/spoolReserveBytes`` free; nil when it fits (or no reserve is set).
    /// `othersAnnounced` is what the other uploads being received announced and may still write:
    /// two uploads cannot both count on the same free space.
    static func storageRefusal(directory: String, incoming: Int, reserve: Int, othersAnnounced: Int = 0) -> Response? {
        guard reserve > 0 else { return nil }
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else {
            let error = SystemCallError(call: "statvfs", code: errno)
            return ErrorResponse.make(status: 500, code: "spool_failed", message: "The upload folder \(directory) cannot be examined: \(error).")
        }
        let free = Int(clamping: UInt64(stats.f_bavail) &* UInt64(stats.f_frsize)) - max(0, othersAnnounced)
        guard free - incoming < reserve else { return nil }
        return insufficientStorage(free: free, incoming: incoming, reserve: reserve)
    }

    /// The 507 answer, with the numbers that led to it.
    static func insufficientStorage(free: Int, incoming: Int, reserve: Int) -> Response {
        let mebibyte = 1 << 20
        return ErrorResponse.make(
            status: 507, code: "insufficient_storage",
            message: "Storing this upload (\(incoming / mebibyte) MiB) would leave \(max(0, free - incoming) / mebibyte) MiB free on the server's disk, under the \(reserve / mebibyte) MiB it keeps free: free some space or lower the reserve."
        )
    }

    /// A refusal as an error value, for `Result`.
    struct Refusal: Error {
        let response: Response
    }
}

/// One taken upload slot; giving it back is its deinit, so every way a request ends returns it.
final class UploadSlot {
    private let context: ServerContext?
    private let host: HostAdmissionTable?
    /// What the upload announced, counted against the disk reserve of the other uploads.
    let bytes: Int

    init(context: ServerContext) {
        self.context = context
        self.host = nil
        self.bytes = 0
    }

    init(host: HostAdmissionTable, bytes: Int) {
        self.context = nil
        self.host = host
        self.bytes = bytes
    }

    /// What the other uploads being received on the host announced (0 without the host's table).
    var othersAnnounced: Int {
        guard let host else { return 0 }
        return max(0, host.announcedUploadBytes - bytes)
    }

    deinit {
        host?.endUpload(bytes: bytes)
        context?.activeUploads.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }
}
