import PluginAPI

/// A strict JSON reader (RFC 8259) for the small header and claims of a token, straight from
/// bytes to ``JSONValue``: no `Data`, no `Decoder` and none of the thrown-and-caught attempts
/// `JSONValue`'s `Decodable` conformance makes for every value.
///
/// Stricter than a general reader where tokens are concerned: a duplicate member name is refused
/// (RFC 7515 §4 allows refusing it, and two `sub` claims must not mean whichever a reader keeps),
/// as are invalid UTF-8, lone surrogates, numbers that are not finite doubles, nesting deeper than
/// ``maxDepth`` and anything after the value.
struct CompactJSON {
    /// The deepest nesting of arrays and objects accepted.
    static let maxDepth = 32

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The value `bytes` hold, or nil if they are not exactly one JSON value.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = CompactJSON(buffer)
            guard let value = reader.value(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.position == buffer.count ? value : nil
        }
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func value(depth: Int) -> JSONValue? {
        skipSpace()
        switch current {
        case UInt8(ascii: "{")?: return depth < Self.maxDepth ? object(depth: depth + 1) : nil
        case UInt8(ascii: "[")?: return depth < Self.maxDepth ? array(depth: depth + 1) : nil
        case UInt8(ascii: "\"")?: return string().map(JSONValue.string)
        case UInt8(ascii: "t")?: return literal("true", .bool(true))
        case UInt8(ascii: "f")?: return literal("false", .bool(false))
        case UInt8(ascii: "n")?: return literal("null", .null)
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
        let matches = word.withUTF8Buffer { expected in
            position + expected.count <= bytes.count && (0 ..< expected.count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { return nil }
        position += word.utf8CodeUnitCount
        return value
    }

    private mutating func object(depth: Int) -> JSONValue? {
        position += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\""), let name = string() else { return nil }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return nil }
            position += 1
            guard let member = value(depth: depth), members.updateValue(member, forKey: name) == nil else { return nil }
            skipSpace()
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?:
                position += 1
                return .object(members)
            default: return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        position += 1
        var items: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            guard let item = value(depth: depth) else { return nil }
            items.append(item)
            skipSpace()
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "]")?:
                position += 1
                return .array(items)
            default: return nil
            }
        }
    }

    /// A string from its opening quote: escapes resolved, UTF-8 validated.
    private mutating func string() -> String? {
        position += 1
        let start = position
        // The common case, no escapes: the bytes between the quotes are the string.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            position += 1
        }
        guard let stop = current else { return nil }
        if stop == UInt8(ascii: "\"") {
            position += 1
            return String(validating: UnsafeBufferPointer(rebasing: bytes[start ..< position - 1]), as: UTF8.self)
        }
        var text = Array(bytes[start ..< position])
        while let byte = current {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard escape(into: &text) else { return nil }
            case 0x00 ..< 0x20:
                return nil
            default:
                text.append(byte)
            }
        }
        return nil
    }

    /// Appends the character of the escape after a backslash, as UTF-8.
    private mutating func escape(into text: inout [UInt8]) -> Bool {
        guard let letter = current else { return false }
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(letter)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            guard let unit = hexUnit() else { return false }
            var scalarValue = UInt32(unit)
            if (0xD800 ..< 0xDC00).contains(unit) {
                // A high surrogate must be followed by an escaped low one.
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else { return false }
                position += 2
                guard let low = hexUnit(), (0xDC00 ..< 0xE000).contains(low) else { return false }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            // A lone low surrogate is no scalar either.
            guard let scalar = Unicode.Scalar(scalarValue) else { return false }
            text.append(contentsOf: UTF8.encode(scalar)!)
        default: return false
        }
        return true
    }

    private mutating func hexUnit() -> UInt16? {
        guard position + 4 <= bytes.count else { return nil }
        var unit: UInt16 = 0
        for _ in 0 ..< 4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt16(digit)
            position += 1
        }
        return unit
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as a finite double.
    private mutating func number() -> JSONValue? {
        let start = position
        func digits() -> Int {
            let first = position
            while let byte = current, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) { position += 1 }
            return position - first
        }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            return nil
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return nil }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else { return nil }
        return .number(number)
    }
}
