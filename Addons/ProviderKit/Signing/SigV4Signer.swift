/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`): signs a request in its `Authorization` header or
/// in its query string (a presigned URL).
///
/// The canonical URI is taken as given (callers encode it: S3 encodes each key segment once), the
/// query is encoded and sorted here, header names are lower-cased and values trimmed.
public struct SigV4Signer: Sendable {
    /// The payload hash S3 accepts for a presigned URL, whose body is not known when signing.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The key pair.
    public let credentials: AWSCredentials
    /// The region, e.g. `us-east-1` (`auto` for R2).
    public let region: String
    /// The service, e.g. `s3`.
    public let service: String

    /// Creates a signer.
    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// `20130524/us-east-1/s3/aws4_request`.
    public func scope(_ time: AWSTimestamp) -> String { "\(time.dateStamp)/\(region)/\(service)/aws4_request" }

    /// The canonical request: method, URI, sorted encoded query, headers, signed header names, payload hash.
    public func canonicalRequest(method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String) -> String {
        let encoded: [(String, String)] = query.map { pair in (PercentEncoding.encode(pair.0), PercentEncoding.encode(pair.1)) }
        let sorted = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        let canonicalQuery = sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
        let normalized = Self.normalize(headers)
        let canonicalHeaders = normalized.map { "\($0.0):\($0.1)\n" }.joined()
        let signedHeaders = normalized.map(\.0).joined(separator: ";")
        return [method, path.isEmpty ? "/" : path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
    }

    /// The string to sign for a canonical request.
    public func stringToSign(_ canonicalRequest: String, at time: AWSTimestamp) -> String {
        ["AWS4-HMAC-SHA256", time.amzDate, scope(time), Digest.hex(Digest.sha256(Array(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// The hex signature of a string to sign.
    public func signature(_ stringToSign: String, at time: AWSTimestamp) -> String {
        var key = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), Array(time.dateStamp.utf8))
        for part in [region, service, "aws4_request"] { key = Digest.hmacSHA256(key: key, Array(part.utf8)) }
        return Digest.hex(Digest.hmacSHA256(key: key, Array(stringToSign.utf8)))
    }

    /// Signs a request in its headers: returns `headers` plus `x-amz-date`, `x-amz-content-sha256`,
    /// a session token if any, and `Authorization`. `headers` must contain `host`.
    public func signHeaders(method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, at time: AWSTimestamp) -> [(String, String)] {
        var all = headers
        all.append(("x-amz-date", time.amzDate))
        if !all.contains(where: { $0.0.lowercased() == "x-amz-content-sha256" }) { all.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { all.append(("x-amz-security-token", token)) }
        let canonical = canonicalRequest(method: method, path: path, query: query, headers: all, payloadHash: payloadHash)
        let signed = Self.normalize(all).map(\.0).joined(separator: ";")
        let value = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(time)), SignedHeaders=\(signed), Signature=\(signature(stringToSign(canonical, at: time), at: time))"
        all.append(("Authorization", value))
        return all
    }

    /// A presigned URL: the query carries the algorithm, credential, date, expiry, signed headers
    /// and signature. `headers` must contain `host`; any other header listed must be sent by the holder.
    public func presign(method: String, scheme: String, path: String, query: [(String, String)] = [], headers: [(String, String)], expires: Int, at time: AWSTimestamp) -> String {
        var all = query
        all.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        all.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(time))"))
        all.append(("X-Amz-Date", time.amzDate))
        all.append(("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { all.append(("X-Amz-Security-Token", token)) }
        all.append(("X-Amz-SignedHeaders", Self.normalize(headers).map(\.0).joined(separator: ";")))
        let canonical = canonicalRequest(method: method, path: path, query: all, headers: headers, payloadHash: Self.unsignedPayload)
        let signature = signature(stringToSign(canonical, at: time), at: time)
        let host = headers.first { $0.0.lowercased() == "host" }?.1 ?? ""
        let encodedQuery = all.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        return "\(scheme)://\(host)\(path)?\(encodedQuery)&X-Amz-Signature=\(signature)"
    }

    /// Lower-cased names, trimmed values with inner runs of spaces collapsed, sorted by name.
    static func normalize(_ headers: [(String, String)]) -> [(String, String)] {
        headers.map { name, value in
            let trimmed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            return (name.lowercased(), trimmed)
        }.sorted { $0.0 < $1.0 }
    }
}
