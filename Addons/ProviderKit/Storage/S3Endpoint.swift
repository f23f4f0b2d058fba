/// Where an S3-compatible service is and how it addresses buckets.
public struct S3Endpoint: Sendable, Hashable {
    /// `https` or `http`.
    public var scheme: String
    /// The host, with `:port` if not the scheme's default.
    public var host: String
    /// A path every request starts with (Supabase's `/storage/v1/s3`), or empty.
    public var basePath: String
    /// The signing region (`auto` for R2 and GCS).
    public var region: String
    /// Path-style (`host/bucket/key`) rather than virtual-hosted (`bucket.host/key`) addressing.
    public var pathStyle: Bool

    /// Creates an endpoint.
    public init(scheme: String = "https", host: String, basePath: String = "", region: String, pathStyle: Bool) {
        self.scheme = scheme
        self.host = host
        self.basePath = basePath
        self.region = region
        self.pathStyle = pathStyle
    }

    /// An endpoint from a URL such as `http://127.0.0.1:9000` or `https://ref.supabase.co/storage/v1/s3`.
    public static func custom(url: String, region: String, pathStyle: Bool = true) throws -> S3Endpoint {
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw ProviderError(.invalidConfiguration, "storage endpoint '\(url)' is not a URL (expected e.g. https://s3.example.com)")
        }
        let scheme = String(url[..<schemeEnd.lowerBound]).lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw ProviderError(.invalidConfiguration, "storage endpoint '\(url)' must use http or https")
        }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        guard !host.isEmpty else { throw ProviderError(.invalidConfiguration, "storage endpoint '\(url)' has no host") }
        var path = String(rest.dropFirst(host.count))
        while path.hasSuffix("/") { path.removeLast() }
        return S3Endpoint(scheme: scheme, host: String(host), basePath: path, region: region, pathStyle: pathStyle)
    }

    /// AWS S3 in `region` (virtual-hosted, as AWS recommends).
    public static func aws(region: String) -> S3Endpoint {
        S3Endpoint(host: "s3.\(region).amazonaws.com", region: region, pathStyle: false)
    }

    /// Cloudflare R2 for the account `accountID` (region `auto`).
    public static func cloudflareR2(accountID: String) -> S3Endpoint {
        S3Endpoint(host: "\(accountID).r2.cloudflarestorage.com", region: "auto", pathStyle: true)
    }

    /// DigitalOcean Spaces in `region`, e.g. `nyc3`.
    public static func digitalOceanSpaces(region: String) -> S3Endpoint {
        S3Endpoint(host: "\(region).digitaloceanspaces.com", region: region, pathStyle: false)
    }

    /// Backblaze B2's S3 API in `region`, e.g. `us-west-004`.
    public static func backblazeB2(region: String) -> S3Endpoint {
        S3Endpoint(host: "s3.\(region).backblazeb2.com", region: region, pathStyle: false)
    }

    /// Supabase Storage's S3 protocol for the project `projectRef` in `region`.
    public static func supabase(projectRef: String, region: String) -> S3Endpoint {
        S3Endpoint(host: "\(projectRef).supabase.co", basePath: "/storage/v1/s3", region: region, pathStyle: true)
    }

    /// Google Cloud Storage's XML API in interoperability mode (HMAC keys).
    public static func googleCloudStorage() -> S3Endpoint {
        S3Endpoint(host: "storage.googleapis.com", region: "auto", pathStyle: true)
    }

    /// The preset named `name` (`s3`, `r2`, `spaces`, `b2`, `supabase`, `gcs`); `account` is R2's
    /// account id or Supabase's project ref.
    public static func preset(_ name: String, region: String, account: String? = nil) throws -> S3Endpoint {
        switch name.lowercased() {
        case "s3", "aws": return .aws(region: region)
        case "r2", "cloudflare":
            guard let account else { throw ProviderError(.invalidConfiguration, "the r2 preset needs the Cloudflare account id") }
            return .cloudflareR2(accountID: account)
        case "spaces", "digitalocean": return .digitalOceanSpaces(region: region)
        case "b2", "backblaze": return .backblazeB2(region: region)
        case "supabase":
            guard let account else { throw ProviderError(.invalidConfiguration, "the supabase preset needs the project ref") }
            return .supabase(projectRef: account, region: region)
        case "gcs", "google": return .googleCloudStorage()
        default:
            throw ProviderError(.invalidConfiguration, "unknown storage preset '\(name)' (known: s3, r2, spaces, b2, supabase, gcs)")
        }
    }

    /// The host and URI path of `key` in `bucket` (the key encoded once per segment).
    func location(bucket: String, key: String) -> (host: String, path: String) {
        let encodedKey = PercentEncoding.encode(key, keepSlash: true)
        if pathStyle {
            return (host, "\(basePath)/\(bucket)" + (key.isEmpty ? "" : "/\(encodedKey)"))
        }
        return ("\(bucket).\(host)", "\(basePath)/\(encodedKey)")
    }
}
