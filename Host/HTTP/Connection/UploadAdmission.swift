import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// The limits on spooled uploads that need no body byte: how many may be received at once, and how
/// much free space the spool's file system must keep.
enum UploadAdmission {
    /// Takes one of the ``ServerConfiguration/maxConcurrentUploads`` slots, or answers 503 when all
    /// are taken. The slot is given back when the returned object goes (with the request's state).
    static func takeSlot(in context: ServerContext) -> Result<UploadSlot, Refusal> {
        let limit = context.configuration.maxConcurrentUploads
        let taken = context.activeUploads.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        let slot = UploadSlot(context: context)
        guard limit <= 0 || taken <= limit else {
            var response = ErrorResponse.make(
                status: 503, code: "too_many_uploads",
                message: "\(limit) uploads are being received already, the most this server takes at once: retry once one has finished."
            )
            response.headers.add(name: "Retry-After", value: "5")
            return .failure(Refusal(response: response))
        }
        return .success(slot)
    }

    /// A 507 when writing `incoming` more bytes into `directory` would leave less than
    /// ``ServerConfiguration/spoolReserveBytes`` free; nil when it fits (or no reserve is set).
    static func storageRefusal(directory: String, incoming: Int, reserve: Int) -> Response? {
        guard reserve > 0 else { return nil }
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else {
            let error = SystemCallError(call: "statvfs", code: errno)
            return ErrorResponse.make(status: 500, code: "spool_failed", message: "The upload folder \(directory) cannot be examined: \(error).")
        }
        let free = Int(clamping: UInt64(stats.f_bavail) &* UInt64(stats.f_frsize))
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
    private let context: ServerContext

    init(context: ServerContext) {
        self.context = context
    }

    deinit {
        context.activeUploads.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }
}
