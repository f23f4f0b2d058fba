import PluginAPI

/// An S3-compatible object store: put/get/head/delete/list by prefix, multipart upload for large
/// objects and presigned GET/PUT URLs, signed with AWS Signature Version 4 and sent through the
/// host's ``HTTPClient`` (so the manifest's network allow-list applies).
public struct S3Client: ObjectStorage {
    /// The service's address and addressing style.
    public let endpoint: S3Endpoint
    /// The bucket every key lives in.
    public let bucket: String
    /// The signer (credentials, region).
    public let signer: SigV4Signer
    /// Objects larger than this go up in parts.
    public let multipartThreshold: Int
    /// The size of each part but the last (S3 wants at least 5 MiB).
    public let partSize: Int
    /// Longest one request may take.
    public let timeout: Duration
    let http: any HTTPClient
    let clock: @Sendable () -> AWSTimestamp

    /// Creates a client.
    public init(
        endpoint: S3Endpoint, bucket: String, credentials: AWSCredentials, http: any HTTPClient,
        multipartThreshold: Int = 16 << 20, partSize: Int = 8 << 20, timeout: Duration = .seconds(30),
        clock: @escaping @Sendable () -> AWSTimestamp = { .now() }
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.signer = SigV4Signer(credentials: credentials, region: endpoint.region)
        self.http = http
        self.multipartThreshold = multipartThreshold
        self.partSize = max(partSize, 5 << 20)
        self.timeout = timeout
        self.clock = clock
    }

    /// Stores `data` under `key` (in parts if it is larger than ``multipartThreshold``).
    public func put(_ key: String, _ data: [UInt8], contentType: String?) async throws -> StoredObject {
        if data.count > multipartThreshold { return try await putMultipart(key, data, contentType: contentType) }
        var headers: [(String, String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        let response = try await send("PUT", key: key, headers: headers, body: data)
        try expect(response, [200], "PUT \(key)")
        return StoredObject(key: key, size: data.count, contentType: contentType, etag: response.headers["ETag"])
    }

    /// The bytes of `key`, or `nil` if there is none.
    public func get(_ key: String) async throws -> [UInt8]? {
        let response = try await send("GET", key: key)
        if response.status == 404 { return nil }
        try expect(response, [200], "GET \(key)")
        return response.body
    }

    /// Size, type and entity tag of `key`, or `nil`.
    public func head(_ key: String) async throws -> StoredObject? {
        let response = try await send("HEAD", key: key)
        if response.status == 404 { return nil }
        try expect(response, [200], "HEAD \(key)")
        return StoredObject(key: key, size: Int(response.headers["Content-Length"] ?? "") ?? 0, contentType: response.headers["Content-Type"], etag: response.headers["ETag"])
    }

    /// Removes `key`; true if it existed (S3 answers 204 either way, so this asks first).
    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        let existed = try await head(key) != nil
        let response = try await send("DELETE", key: key)
        try expect(response, [200, 204], "DELETE \(key)")
        return existed
    }

    /// Every object whose key starts with `prefix`, in key order (following continuation tokens).
    public func list(prefix: String) async throws -> [StoredObject] {
        var objects = [StoredObject]()
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: "", query: query)
            try expect(response, [200], "list \(prefix)")
            let xml = Substring(String(decoding: response.body, as: UTF8.self))
            for block in XMLFields.blocks("Contents", in: xml) {
                guard let key = XMLFields.first("Key", in: block) else { continue }
                objects.append(StoredObject(key: key, size: Int(XMLFields.first("Size", in: block) ?? "") ?? 0, etag: XMLFields.first("ETag", in: block)))
            }
            token = XMLFields.first("IsTruncated", in: xml) == "true" ? XMLFields.first("NextContinuationToken", in: xml) : nil
        } while token != nil
        return objects.sorted { $0.key < $1.key }
    }

    /// A URL that reads `key` until `expiry` has passed (at most 7 days, S3's limit).
    public func presignedGetURL(_ key: String, expiry: Duration) async throws -> PresignedURL {
        try presigned("GET", key, contentType: nil, expiry: expiry)
    }

    /// A URL that writes `key` until `expiry` has passed; the holder must send `Content-Type` if given.
    public func presignedPutURL(_ key: String, contentType: String?, expiry: Duration) async throws -> PresignedURL {
        try presigned("PUT", key, contentType: contentType, expiry: expiry)
    }

    func presigned(_ method: String, _ key: String, contentType: String?, expiry: Duration) throws -> PresignedURL {
        let seconds = Int(expiry.components.seconds)
        guard seconds >= 1, seconds <= 604_800 else {
            throw ProviderError(.invalidConfiguration, "a presigned URL lives 1 s to 7 days (asked: \(seconds) s)")
        }
        let (host, path) = endpoint.location(bucket: bucket, key: key)
        var headers = [("host", host)]
        var holderHeaders: HTTPHeaders = [:]
        if let contentType {
            headers.append(("content-type", contentType))
            holderHeaders.add(name: "Content-Type", value: contentType)
        }
        let now = clock()
        let url = signer.presign(method: method, scheme: endpoint.scheme, path: path, headers: headers, expires: seconds, at: now)
        return PresignedURL(url: url, method: HTTPMethod(rawValue: method), headers: holderHeaders, expiresAt: Double(now.secondsSince1970 + seconds))
    }
}
