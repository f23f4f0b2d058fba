import PluginAPI

/// Where a request carries its token: `Authorization: Bearer …` (RFC 6750 §2.1), or a named cookie.
public enum BearerToken {
    /// The token the request presents, nil when it presents none.
    /// - Throws: ``AuthenticationError`` (`malformed_token`) for an `Authorization` field that
    ///   says Bearer but carries no token, or several `Authorization` fields.
    public static func presented(in headers: HTTPHeaders, cookie: String?) throws(AuthenticationError) -> String? {
        let fields = headers.filter { $0.name.lowercased() == "authorization" }
        guard fields.count <= 1 else {
            throw AuthenticationError(.malformed, "the request has \(fields.count) Authorization fields")
        }
        if let field = fields.first {
            let value = field.value
            guard value.count > 7, value.prefix(7).lowercased() == "bearer " else {
                if value.lowercased().hasPrefix("bearer") {
                    throw AuthenticationError(.malformed, "the Authorization field says Bearer but carries no token")
                }
                // Another scheme (Basic…) is not ours to read: the caller is anonymous to Berth.
                return nil
            }
            let token = value.dropFirst(7).drop { $0 == " " }
            guard !token.isEmpty, !token.contains(" ") else {
                throw AuthenticationError(.malformed, "the Authorization field's bearer token is empty or has spaces")
            }
            return String(token)
        }
        guard let cookie, let header = headers["Cookie"] else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == cookie {
                let token = trimmed[trimmed.index(after: equals)...]
                return token.isEmpty ? nil : String(token)
            }
        }
        return nil
    }
}
