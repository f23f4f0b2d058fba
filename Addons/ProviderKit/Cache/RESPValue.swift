/// A Redis reply (RESP2, and the RESP3 types after `HELLO 3`).
public indirect enum RESPValue: Sendable, Hashable {
    /// `+OK`.
    case simple(String)
    /// `-ERR …` (also RESP3 blob errors).
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$…` bytes, `nil` for RESP2's null bulk string.
    case bulk([UInt8]?)
    /// `*…` elements, `nil` for RESP2's null array.
    case array([RESPValue]?)
    /// RESP3 `_` null.
    case null
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `,` double.
    case double(Double)
    /// RESP3 `%` map, as key/value pairs.
    case map([(RESPValue, RESPValue)])

    /// The bytes of a bulk, simple or verbatim string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .simple(let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer reply (or a string holding one).
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes?): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// Whether this is a null of either protocol.
    public var isNull: Bool {
        switch self {
        case .null, .bulk(nil), .array(nil): true
        default: false
        }
    }

    /// Equal when the replies are.
    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case (.simple(let a), .simple(let b)), (.error(let a), .error(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.bulk(let a), .bulk(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.null, .null): true
        case (.boolean(let a), .boolean(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// Hashes the reply.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .simple(let text), .error(let text): hasher.combine(text)
        case .integer(let value): hasher.combine(value)
        case .bulk(let bytes): hasher.combine(bytes)
        case .array(let items): hasher.combine(items)
        case .null: hasher.combine(0)
        case .boolean(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value)
        case .map(let pairs): hasher.combine(pairs.count)
        }
    }
}

/// Encoding commands and decoding replies.
enum RESP {
    /// A command as an array of bulk strings (binary-safe).
    static func command(_ parts: [[UInt8]]) -> [UInt8] {
        var out = Array("*\(parts.count)\r\n".utf8)
        for part in parts {
            out += Array("$\(part.count)\r\n".utf8)
            out += part
            out += [13, 10]
        }
        return out
    }

    /// Reads one reply from the channel.
    static func read(_ channel: SocketChannel, depth: Int = 0) throws -> RESPValue {
        guard depth < 32 else { throw ProviderError(.protocolViolation, "Redis reply nested too deeply") }
        let line = try channel.readLine()
        guard let kind = line.first else { throw ProviderError(.protocolViolation, "empty line from Redis") }
        let rest = String(decoding: line.dropFirst(), as: UTF8.self)
        func count() throws -> Int {
            guard let value = Int(rest), value >= -1, value < 512 << 20 else { throw ProviderError(.protocolViolation, "bad length '\(rest)' from Redis") }
            return value
        }
        switch kind {
        case UInt8(ascii: "+"): return .simple(rest)
        case UInt8(ascii: "-"): return .error(rest)
        case UInt8(ascii: ":"):
            guard let value = Int64(rest) else { throw ProviderError(.protocolViolation, "bad integer '\(rest)' from Redis") }
            return .integer(value)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            let length = try count()
            if length < 0 { return .bulk(nil) }
            var bytes = try channel.read(exactly: length + 2)
            bytes.removeLast(2)
            if kind == UInt8(ascii: "!") { return .error(String(decoding: bytes, as: UTF8.self)) }
            // A verbatim string starts with its three-letter format and a colon.
            return .bulk(kind == UInt8(ascii: "=") ? Array(bytes.dropFirst(4)) : bytes)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            let length = try count()
            if length < 0 { return .array(nil) }
            return .array(try (0..<length).map { _ in try read(channel, depth: depth + 1) })
        case UInt8(ascii: "%"), UInt8(ascii: "|"):
            let length = try count()
            let pairs = try (0..<length).map { _ in (try read(channel, depth: depth + 1), try read(channel, depth: depth + 1)) }
            if kind == UInt8(ascii: "|") { return try read(channel, depth: depth) }  // attributes precede the reply
            return .map(pairs)
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"): return .boolean(rest == "t")
        case UInt8(ascii: ","):
            guard let value = Double(rest) else { throw ProviderError(.protocolViolation, "bad double '\(rest)' from Redis") }
            return .double(value)
        case UInt8(ascii: "("): return .bulk(Array(rest.utf8))
        default: throw ProviderError(.protocolViolation, "unknown reply type '\(Character(Unicode.Scalar(kind)))' from Redis")
        }
    }
}
