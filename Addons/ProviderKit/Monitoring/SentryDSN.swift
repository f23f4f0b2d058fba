/// A Sentry DSN, `https://PUBLIC_KEY@HOST[:PORT][/PATH]/PROJECT_ID`, and the endpoints it implies.
public struct SentryDSN: Sendable, Hashable {
    /// `https` or `http`.
    public let scheme: String
    /// The public key.
    public let publicKey: String
    /// Host with port if any.
    public let host: String
    /// A path prefix before the project id (self-hosted behind a path), or empty.
    public let path: String
    /// The project id.
    public let projectID: String
    /// The DSN as given.
    public let raw: String

    /// Parses a DSN.
    public init(_ dsn: String) throws {
        guard let schemeEnd = dsn.firstRange(of: "://") else { throw ProviderError(.invalidConfiguration, "a Sentry DSN looks like https://KEY@HOST/PROJECT (no scheme in the value given)") }
        let scheme = String(dsn[..<schemeEnd.lowerBound])
        guard scheme == "https" || scheme == "http" else { throw ProviderError(.invalidConfiguration, "a Sentry DSN uses http or https (got \(scheme))") }
        let rest = dsn[schemeEnd.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { throw ProviderError(.invalidConfiguration, "the Sentry DSN has no public key before '@'") }
        let userInfo = rest[..<at]
        let key = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        guard !key.isEmpty else { throw ProviderError(.invalidConfiguration, "the Sentry DSN's public key is empty") }
        let location = rest[rest.index(after: at)...]
        let host = location.prefix { $0 != "/" }
        var segments = location.dropFirst(host.count).split(separator: "/").map(String.init)
        guard !host.isEmpty, let project = segments.popLast(), !project.isEmpty, project.allSatisfy(\.isNumber) else {
            throw ProviderError(.invalidConfiguration, "the Sentry DSN needs a host and a numeric project id at its end")
        }
        self.scheme = scheme
        self.publicKey = key
        self.host = String(host)
        self.path = segments.isEmpty ? "" : "/" + segments.joined(separator: "/")
        self.projectID = project
        self.raw = dsn
    }

    /// `…/api/PROJECT_ID/envelope/`.
    public var envelopeURL: String { "\(scheme)://\(host)\(path)/api/\(projectID)/envelope/" }

    /// The `X-Sentry-Auth` header value.
    public func authHeader(client: String = "berth-providerkit/1.0") -> String {
        "Sentry sentry_version=7, sentry_key=\(publicKey), sentry_client=\(client)"
    }
}
