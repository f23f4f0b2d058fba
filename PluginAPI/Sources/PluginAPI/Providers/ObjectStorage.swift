/// What the store knows about one object.
public struct StoredObject: Sendable, Hashable {
    /// The object's key, e.g. `avatars/42.png`.
    public var key: String
    /// Its size in bytes.
    public var size: Int
    /// Its MIME type, e.g. `image/png`.
    public var contentType: String?
    /// The provider's entity tag, if it has one.
    public var etag: String?

    /// Creates a description.
    public init(key: String, size: Int, contentType: String? = nil, etag: String? = nil) {
        self.key = key
        self.size = size
        self.contentType = contentType
        self.etag = etag
    }
}

/// A URL that lets its holder read or write one object without credentials until it expires.
public struct PresignedURL: Sendable, Hashable {
    /// The URL.
    public var url: String
    /// The method it is valid for (`GET` or `PUT`).
    public var method: HTTPMethod
    /// Headers the holder must send with it (e.g. `Content-Type` for a PUT).
    public var headers: HTTPHeaders
    /// Seconds since 1970 after which the URL is refused.
    public var expiresAt: Double

    /// Creates a presigned URL.
    public init(url: String, method: HTTPMethod, headers: HTTPHeaders = [:], expiresAt: Double) {
        self.url = url
        self.method = method
        self.headers = headers
        self.expiresAt = expiresAt
    }
}

/// The object storage slot (`STORAGE_PROVIDER`), reached with `try context.service(.storage)`.
///
/// Keys are scoped to the addon by the host.
public protocol ObjectStorage: Sendable {
    /// Stores `data` under `key`, replacing any object there.
    func put(_ key: String, _ data: [UInt8], contentType: String?) async throws -> StoredObject

    /// The bytes of `key`, or `nil` if there is no such object.
    func get(_ key: String) async throws -> [UInt8]?

    /// What is known about `key` without its bytes, or `nil`.
    func head(_ key: String) async throws -> StoredObject?

    /// Removes `key`; true if it existed.
    @discardableResult
    func delete(_ key: String) async throws -> Bool

    /// The objects whose keys start with `prefix`, in key order.
    func list(prefix: String) async throws -> [StoredObject]

    /// A URL that reads `key` until `expiry` has passed.
    func presignedGetURL(_ key: String, expiry: Duration) async throws -> PresignedURL

    /// A URL that writes `key` (with `contentType`) until `expiry` has passed.
    func presignedPutURL(_ key: String, contentType: String?, expiry: Duration) async throws -> PresignedURL
}
