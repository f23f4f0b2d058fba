/// HTTP header fields in their order, with case-insensitive lookup by name.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields as name/value pairs, in order.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates headers from name/value pairs.
    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// Creates headers from a literal.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        get {
            let asciiName = HTTPHeaders.isASCII(name)
            for field in fields {
                if asciiName, let equal = HTTPHeaders.equalIgnoringCase(field.name, ascii: name) {
                    if equal { return field.value }
                } else if field.name.count == name.count && field.name.lowercased() == name.lowercased() {
                    return field.value
                }
            }
            return nil
        }
        set {
            let asciiName = HTTPHeaders.isASCII(name)
            fields.removeAll { field in
                if asciiName, let equal = HTTPHeaders.equalIgnoringCase(field.name, ascii: name) { return equal }
                return field.name.lowercased() == name.lowercased()
            }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Iterates over the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// Compares the fields in order, names case-sensitively.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// `field.lowercased() == name.lowercased()` for an ASCII `name`, without the two allocations;
    /// nil if `field` is not ASCII, where only `lowercased()` knows (U+212A KELVIN SIGN lowercases
    /// to `k`). Header names are ASCII, so lookups take this path.
    ///
    /// Only a longer non-ASCII `field` needs `lowercased()`: the one non-ASCII character that
    /// lowercases to ASCII (KELVIN SIGN, 3 bytes) shrinks, so a field of `name`'s length matches
    /// byte for byte or not at all, and a shorter one never does. A field of another length is
    /// therefore rejected without reading it, the usual case.
    private static func equalIgnoringCase(_ field: String, ascii name: String) -> Bool? {
        let length = field.utf8.count, nameLength = name.utf8.count
        if length < nameLength { return false }
        if length > nameLength { return isASCII(field) ? false : nil }
        return zip(field.utf8, name.utf8).allSatisfy { lowered($0) == lowered($1) }
    }

    private static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Hashes the fields in order.
    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}
