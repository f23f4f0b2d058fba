/// Just enough XML reading for S3's answers: the text of named elements, in order.
enum XMLFields {
    /// The inner text of each `<name>…</name>` in `xml`, entity-decoded.
    static func values(_ name: String, in xml: Substring) -> [String] {
        var results = [String]()
        var rest = xml
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.firstRange(of: open), let end = rest[start.upperBound...].firstRange(of: close) {
            results.append(decode(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return results
    }

    /// The raw inner parts of each `<name>…</name>`, for nested reading.
    static func blocks(_ name: String, in xml: Substring) -> [Substring] {
        var results = [Substring]()
        var rest = xml
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.firstRange(of: open), let end = rest[start.upperBound...].firstRange(of: close) {
            results.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return results
    }

    static func first(_ name: String, in xml: Substring) -> String? { values(name, in: xml).first }

    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences("&lt;", "<").replacingOccurrences("&gt;", ">").replacingOccurrences("&quot;", "\"")
            .replacingOccurrences("&apos;", "'").replacingOccurrences("&#34;", "\"").replacingOccurrences("&amp;", "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences("&", "&amp;").replacingOccurrences("<", "&lt;").replacingOccurrences(">", "&gt;")
    }
}

extension StringProtocol {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
