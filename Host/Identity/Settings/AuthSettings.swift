import Foundation

/// End-user authentication settings, from `BERTH_AUTH_*` variables.
///
/// Authentication is on when `BERTH_AUTH_JWKS` or `BERTH_AUTH_JWT_SECRET` is set. With neither,
/// every caller is anonymous and routes that require a token refuse every request.
public struct AuthSettings: Sendable {
    /// `BERTH_AUTH_JWKS`: a JWKS file, or an http(s) URL fetched at start and on unknown `kid`.
    public var jwks: String?
    /// `BERTH_AUTH_JWT_SECRET`: a shared HMAC secret (at least 32 bytes) for HS256/384/512.
    public var secret: [UInt8]?
    /// The claim checks: `BERTH_AUTH_ISSUER`, `BERTH_AUTH_AUDIENCE`, `BERTH_AUTH_CLOCK_SKEW`
    /// (seconds, default 60), `BERTH_AUTH_ROLES_CLAIM` (a claim name, else a dotted path; default `roles`).
    public var rules: ClaimRules
    /// `BERTH_AUTH_COOKIE`: a cookie that may carry the token when no `Authorization` is sent.
    public var cookieName: String?
    /// `BERTH_AUTH_JWKS_REFRESH_FLOOR`: least seconds between two fetches of a URL key set (30).
    public var refreshFloorSeconds: Int
    /// `BERTH_AUTH_MAX_TOKEN_BYTES`: the longest token accepted (8192).
    public var maxTokenBytes: Int

    /// Whether any key source is configured.
    public var isEnabled: Bool { jwks != nil || secret != nil }

    /// Reads the settings.
    /// - Throws: ``IdentitySetupError`` (`invalid_setting`) naming the variable and the problem.
    public init(environment: [String: String]) throws(IdentitySetupError) {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        jwks = value("BERTH_AUTH_JWKS")
        if let text = value("BERTH_AUTH_JWT_SECRET") {
            guard text.utf8.count >= 32 else {
                throw IdentitySetupError(.invalidSetting, "BERTH_AUTH_JWT_SECRET has \(text.utf8.count) bytes; HMAC secrets need at least 32 (RFC 7518 §3.2)")
            }
            secret = Array(text.utf8)
        }
        let skew = try Self.number(environment, "BERTH_AUTH_CLOCK_SKEW", default: 60, range: 0 ... 3600)
        let rolesClaim = value("BERTH_AUTH_ROLES_CLAIM") ?? "roles"
        guard !rolesClaim.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw IdentitySetupError(.invalidSetting, "BERTH_AUTH_ROLES_CLAIM=\(rolesClaim.prefix(100)) must be a claim name or a dotted path such as roles, app_metadata.roles or https://example.com/roles (no empty part between dots)")
        }
        rules = ClaimRules(issuer: value("BERTH_AUTH_ISSUER"), audience: value("BERTH_AUTH_AUDIENCE"), clockSkew: skew, rolesClaim: rolesClaim)
        cookieName = value("BERTH_AUTH_COOKIE")
        refreshFloorSeconds = Int(try Self.number(environment, "BERTH_AUTH_JWKS_REFRESH_FLOOR", default: 30, range: 1 ... 86_400))
        maxTokenBytes = Int(try Self.number(environment, "BERTH_AUTH_MAX_TOKEN_BYTES", default: 8192, range: 256 ... 65_536))
    }

    private static func number(_ environment: [String: String], _ name: String, default fallback: Double, range: ClosedRange<Double>) throws(IdentitySetupError) -> Double {
        guard let text = environment[name], !text.isEmpty else { return fallback }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw IdentitySetupError(.invalidSetting, "\(name)=\(text.prefix(40)) must be a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
        }
        return value
    }

    /// The verifier these settings describe: the secret and the JWKS file read now, a JWKS URL
    /// fetched now (a failure at start leaves the set empty and is retried on the first token).
    /// - Throws: ``IdentitySetupError`` for a JWKS file that cannot be read or parsed.
    public func makeVerifier() async throws(IdentitySetupError) -> (verifier: TokenVerifier, skipped: [String]) {
        var keys: [VerificationKey] = []
        var skipped: [String] = []
        if let secret { keys.append(try .secret(secret)) }
        // A refresh of a URL key set replaces its keys, never the shared secret.
        let kept = keys
        var refresher: KeySetRefresher?
        if let jwks {
            if jwks.hasPrefix("http://") || jwks.hasPrefix("https://") {
                let source = try KeySetRefresher(url: jwks, floor: .seconds(refreshFloorSeconds))
                refresher = source
                do {
                    let set = try await source.fetch()
                    keys += set.keys
                    skipped += set.skipped
                } catch {
                    skipped.append("\(error.message) (retried when a token arrives)")
                }
            } else {
                guard let data = FileManager.default.contents(atPath: jwks) else {
                    throw IdentitySetupError(.keysUnreachable, "BERTH_AUTH_JWKS=\(jwks): the file cannot be read")
                }
                let set: KeySet
                do {
                    set = try KeySet(jwks: Array(data))
                } catch {
                    throw IdentitySetupError(.invalidKey, "BERTH_AUTH_JWKS=\(jwks): \(error.message)")
                }
                keys += set.keys
                skipped += set.skipped
            }
        }
        let verifier = TokenVerifier(keys: KeySet(keys: keys, skipped: skipped), rules: rules, maxTokenBytes: maxTokenBytes, refresher: refresher, keptKeys: kept)
        return (verifier, skipped)
    }
}
