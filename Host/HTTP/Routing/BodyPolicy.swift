/// How the server reads a request body before it calls an endpoint's handler.
///
/// A body larger than the limit is refused with `413 payload_too_large`; when the request announces
/// its size with `Content-Length`, the refusal comes before any of the body is read.
public enum BodyPolicy: Sendable, Hashable {
    /// The body is collected in memory into ``PluginAPI/Request/body``, up to `limit` bytes.
    case buffered(limit: Int)

    /// The body is written chunk by chunk, as it arrives, to a temporary file in
    /// ``ServerConfiguration/spoolDirectory``, up to `limit` bytes; the handler receives it as an
    /// ``UploadedFile`` and ``PluginAPI/Request/body`` stays empty. Suits uploads too large to hold
    /// in memory, such as addon packages.
    case spooled(limit: Int)

    /// The largest body the policy accepts, in bytes.
    public var limit: Int {
        switch self {
        case .buffered(let limit), .spooled(let limit): max(0, limit)
        }
    }

    /// Whether the body goes to a file rather than memory.
    var spools: Bool {
        if case .spooled = self { return true }
        return false
    }
}
