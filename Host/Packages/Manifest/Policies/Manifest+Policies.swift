import BerthJobs

/// Checks of the manifest's route policies and CORS policy, each error naming the field.
extension Manifest {
    static let policyMethods: Set<String> = ["*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// Checks ``routes``, ``cors`` and ``jobs``; throws `invalid_manifest` naming the field. The
    /// host runs it on a manifest with an admin's overrides applied, too.
    public func validatePolicies() throws(PackageError) {
        var seen: Set<String> = []
        for (index, route) in routes.enumerated() {
            let field = "routes[\(index)]"
            guard Self.policyMethods.contains(route.method) else {
                throw policyError("\(field).method", "'\(route.method.prefix(20))' is not one of \(Self.policyMethods.sorted().joined(separator: ", "))")
            }
            guard route.path.isEmpty || route.path.hasPrefix("/"), !route.path.contains("//"), !route.path.contains("..") else {
                throw policyError("\(field).path", "'\(route.path.prefix(80))' must be a route path relative to the mount prefix, such as /items/:id")
            }
            guard seen.insert("\(route.method) \(RoutePolicy.normalized(route.path))").inserted else {
                throw policyError("\(field)", "\(route.method) \(route.path) is declared twice")
            }
            if route.auth == .none, !route.roles.isEmpty || !route.scopes.isEmpty {
                throw policyError("\(field).auth", "roles and scopes need \"auth\": \"required\" (a caller without a token has neither)")
            }
            for role in route.roles + route.scopes where role.isEmpty || role.utf8.count > 128 {
                throw policyError("\(field).roles", "role and scope names must be 1–128 characters")
            }
            if let rule = route.rateLimit {
                guard (1 ... 1_000_000).contains(rule.limit) else { throw policyError("\(field).rateLimit.limit", "\(rule.limit) must be from 1 to 1000000") }
                guard (1 ... 86_400).contains(rule.windowSeconds) else { throw policyError("\(field).rateLimit.windowSeconds", "\(rule.windowSeconds) must be from 1 to 86400") }
                let key = rule.key
                let headerName = key.hasPrefix("header:") ? key.dropFirst("header:".count) : nil
                guard ["ip", "user", "route"].contains(key) || (headerName.map { !$0.isEmpty && $0.utf8.allSatisfy(Self.isTokenCharacter) } ?? false) else {
                    throw policyError("\(field).rateLimit.key", "'\(key.prefix(60))' must be ip, user, route or header:<Field-Name>")
                }
            }
            if let limit = route.bodyLimit, limit < 0 { throw policyError("\(field).bodyLimit", "must not be negative") }
            if let timeout = route.timeoutSeconds, !(timeout > 0 && timeout <= 3600) {
                throw policyError("\(field).timeoutSeconds", "must be more than 0 and at most 3600")
            }
        }
        try validateJobs()
        guard let cors else { return }
        guard !cors.origins.isEmpty else { throw policyError("cors.origins", "lists no origin") }
        for origin in cors.origins where origin != "*" && !Self.isOrigin(origin) {
            throw policyError("cors.origins", "'\(origin.prefix(80))' is not an origin (scheme://host[:port], no path)")
        }
        if cors.origins.contains("*") {
            guard cors.origins.count == 1 else { throw policyError("cors.origins", "'*' cannot be combined with other origins") }
            guard !cors.credentials else { throw policyError("cors.credentials", "credentials cannot be allowed for every origin ('*'): list the origins") }
        }
        for method in cors.methods where !Self.policyMethods.contains(method) || method == "*" {
            throw policyError("cors.methods", "'\(method.prefix(20))' is not an HTTP method")
        }
        for header in cors.headers where header.isEmpty || !header.utf8.allSatisfy(Self.isTokenCharacter) {
            throw policyError("cors.headers", "'\(header.prefix(60))' is not a header field name")
        }
        guard (0 ... 86_400).contains(cors.maxAgeSeconds) else { throw policyError("cors.maxAgeSeconds", "must be from 0 to 86400") }
    }

    private func validateJobs() throws(PackageError) {
        var names: Set<String> = []
        for (index, job) in jobs.enumerated() {
            let field = "jobs[\(index)]"
            let validName = (1 ... 64).contains(job.name.utf8.count) && job.name.utf8.allSatisfy {
                (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
            guard validName else { throw policyError("\(field).name", "'\(job.name.prefix(64))' must be 1–64 characters of a–z, 0–9, _ and -") }
            guard names.insert(job.name).inserted else { throw policyError("\(field).name", "'\(job.name)' is declared twice") }
            do {
                _ = try CronSchedule(job.schedule, timeZone: job.timeZone)
            } catch {
                throw policyError(error.code == "unknown_time_zone" ? "\(field).timeZone" : "\(field).schedule", error.message)
            }
            guard job.timeoutSeconds > 0, job.timeoutSeconds <= 86_400 else {
                throw policyError("\(field).timeoutSeconds", "must be more than 0 and at most 86400")
            }
        }
    }

    /// `scheme://host[:port]` with http or https and nothing after the authority.
    static func isOrigin(_ text: String) -> Bool {
        let lowered = text.lowercased()
        guard let rest = lowered.hasPrefix("https://") ? lowered.dropFirst(8) : lowered.hasPrefix("http://") ? lowered.dropFirst(7) : nil else { return false }
        return !rest.isEmpty && rest.utf8.allSatisfy { isTokenCharacter($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }
            && !rest.contains("/")
    }

    /// RFC 9110 `tchar`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private func policyError(_ field: String, _ problem: String) -> PackageError {
        PackageError.invalidManifest("field '\(field)': \(problem)")
    }
}
