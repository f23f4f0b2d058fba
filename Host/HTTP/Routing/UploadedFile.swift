/// A request body the server spooled to a temporary file for a ``BodyPolicy/spooled(limit:)`` route.
///
/// The file belongs to the server: it is deleted as soon as the handler returns, so a handler that
/// wants to keep the content must copy or move it before returning.
public struct UploadedFile: Sendable, Hashable {
    /// The absolute path of the temporary file.
    public let path: String

    /// The body's size in bytes.
    public let size: Int

    /// Describes a spooled body; the server creates these, tests may too.
    public init(path: String, size: Int) {
        self.path = path
        self.size = size
    }
}
