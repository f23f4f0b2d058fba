import Foundation
import PluginAPI

/// Where a request carries its token: `Authorization: Bearer …` (RFC 6750 §2.1), or a named cookie.
public enum BearerToken {
    /// The token the request presents, nil when it presents none.
    /// - Throws: ``AuthenticationError`` (`malformed_token`) for an `Authorization` field that
    ///   says Bearer but carries no token, or several `Authorization` fields.
    public static func presented(in headers: HTTPHeaders, cookie: String?) throws(AuthenticationError) -> Substring? {
        // One pass over the fields, comparing names byte by byte, and the value read as bytes in
        // place: this runs on every request to a route that reads tokens, so it allocates nothing.
        var count = 0
        var authorization: String?
        let fields = headers.fields
        for index in fields.indices where isAuthorization(fields[index].name) {
            count += 1
            if authorization == nil { authorization = fields[index].value }
        }
        guard count <= 1 else {
            throw AuthenticationError(.malformed, "the request has \(count) Authorization fields")
        }
        if var value = authorization {
            let scanned = value.withUTF8(scanBearer)
            switch scanned {
            case .otherScheme:
                // Another scheme (Basic…) is not ours to read: the caller is anonymous to Berth.
                return nil
            case .noToken:
                throw AuthenticationError(.malformed, "the Authorization field says Bearer but carries no token")
            case .emptyOrSpaced:
                throw AuthenticationError(.malformed, "the Authorization field's bearer token is empty or has spaces")
            case .token(let offset):
                return value[value.utf8.index(value.utf8.startIndex, offsetBy: offset)...]
            }
        }
        guard let cookie, let header = headers["Cookie"] else { return nil }
        return cookieValue(named: cookie, in: header)
    }

    /// What an `Authorization` value holds.
    enum Scanned: Equatable {
        /// Not the Bearer scheme.
        case otherScheme
        /// `Bearer` with nothing after it, or glued to more letters.
        case noToken
        /// `Bearer ` followed by spaces only, or a token with a space inside.
        case emptyOrSpaced
        /// A token starting at this byte offset and running to the end.
        case token(Int)
    }

    /// Reads `Bearer <token>` (the scheme in any case, spaces before the token) from `value`.
    static func scanBearer(_ value: UnsafeBufferPointer<UInt8>) -> Scanned {
        guard value.count >= 6, startsCaseInsensitive(value, with: "bearer") else { return .otherScheme }
        guard value.count > 7, value[6] == UInt8(ascii: " ") else { return .noToken }
        var start = 7
        while start < value.count, value[start] == UInt8(ascii: " ") { start += 1 }
        guard start < value.count, memchr(value.baseAddress! + start, Int32(UInt8(ascii: " ")), value.count - start) == nil else { return .emptyOrSpaced }
        return .token(start)
    }

    /// The value of the cookie `name` in a `Cookie` field (RFC 6265 §5.4: `name=value` pairs
    /// separated by `;` and spaces), nil when absent or empty.
    static func cookieValue(named name: String, in header: String) -> Substring? {
        let bytes = header.utf8
        var pairStart = bytes.startIndex
        while pairStart < bytes.endIndex {
            let pairEnd = bytes[pairStart...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            var nameStart = pairStart
            while nameStart < pairEnd, bytes[nameStart] == UInt8(ascii: " ") { nameStart = bytes.index(after: nameStart) }
            if let equals = bytes[nameStart ..< pairEnd].firstIndex(of: UInt8(ascii: "=")),
               bytes[nameStart ..< equals].elementsEqual(name.utf8) {
                let valueStart = bytes.index(after: equals)
                return valueStart == pairEnd ? nil : header[valueStart ..< pairEnd]
            }
            pairStart = pairEnd == bytes.endIndex ? pairEnd : bytes.index(after: pairEnd)
        }
        return nil
    }

    static func isAuthorization(_ name: String) -> Bool {
        var name = name
        return name.utf8.count == 13 && name.withUTF8 { startsCaseInsensitive($0, with: "authorization") }
    }

    /// Whether `text` starts with `prefix` (lowercase ASCII), ignoring the case of ASCII letters.
    static func startsCaseInsensitive(_ text: UnsafeBufferPointer<UInt8>, with prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { expected in
            guard text.count >= expected.count else { return false }
            for index in 0 ..< expected.count {
                let actual = text[index]
                let folded = actual >= UInt8(ascii: "A") && actual <= UInt8(ascii: "Z") ? actual | 0x20 : actual
                if folded != expected[index] { return false }
            }
            return true
        }
    }
}
