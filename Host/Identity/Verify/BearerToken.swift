import PluginAPI

/// Where a request carries its token: `Authorization: Bearer …` (RFC 6750 §2.1), or a named cookie.
public enum BearerToken {
    /// The token the request presents, nil when it presents none.
    /// - Throws: ``AuthenticationError`` (`malformed_token`) for an `Authorization` field that
    ///   says Bearer but carries no token, or several `Authorization` fields.
    public static func presented(in headers: HTTPHeaders, cookie: String?) throws(AuthenticationError) -> Substring? {
        // One pass over the fields, comparing names byte by byte: this runs on every request to a
        // route that reads tokens, so it allocates nothing.
        var count = 0
        var authorization: String?
        for field in headers where isAuthorization(field.name) {
            count += 1
            if authorization == nil { authorization = field.value }
        }
        guard count <= 1 else {
            throw AuthenticationError(.malformed, "the request has \(count) Authorization fields")
        }
        if let value = authorization {
            guard hasBearerScheme(value) else {
                if value.utf8.count >= 6, startsCaseInsensitive(value, with: "bearer") {
                    throw AuthenticationError(.malformed, "the Authorization field says Bearer but carries no token")
                }
                // Another scheme (Basic…) is not ours to read: the caller is anonymous to Berth.
                return nil
            }
            let token = value.dropFirst(7).drop { $0 == " " }
            guard !token.isEmpty, !token.utf8.contains(UInt8(ascii: " ")) else {
                throw AuthenticationError(.malformed, "the Authorization field's bearer token is empty or has spaces")
            }
            return token
        }
        guard let cookie, let header = headers["Cookie"] else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == cookie {
                let token = trimmed[trimmed.index(after: equals)...]
                return token.isEmpty ? nil : token
            }
        }
        return nil
    }

    /// `Bearer ` followed by at least one more byte, the scheme in any case.
    static func hasBearerScheme(_ value: String) -> Bool {
        value.utf8.count > 7 && startsCaseInsensitive(value, with: "bearer ")
    }

    static func isAuthorization(_ name: String) -> Bool {
        name.utf8.count == 13 && startsCaseInsensitive(name, with: "authorization")
    }

    /// Whether `text` starts with `prefix` (lowercase ASCII), ignoring the case of ASCII letters.
    static func startsCaseInsensitive(_ text: String, with prefix: StaticString) -> Bool {
        var iterator = text.utf8.makeIterator()
        return prefix.withUTF8Buffer { expected in
            for byte in expected {
                guard let actual = iterator.next() else { return false }
                let folded = (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(actual) ? actual | 0x20 : actual
                if folded != byte { return false }
            }
            return true
        }
    }
}
