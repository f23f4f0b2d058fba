import Synchronization

/// The id of a request, sent back in every response's `X-Request-ID`.
///
/// A valid incoming `X-Request-ID` (1–128 characters of `A–Z a–z 0–9 . _ : -`, so it is safe in a
/// header, a log line and a URL) is kept, so a caller can follow its own id through the logs;
/// anything else is replaced by a generated one.
///
/// A generated id is 15 lowercase hex digits, short enough for Swift's inline small-string form:
/// making one allocates nothing. The digits are a bijective mix of a per-process random seed and
/// a counter, so ids never repeat within a process and collide across processes only by chance
/// (60 random-looking bits).
public enum RequestIdentifier {
    /// The header that carries the id, in both directions.
    public static let header = "X-Request-ID"

    /// The longest incoming id kept.
    public static let maximumLength = 128

    /// The id for the request on `connection`: its valid `X-Request-ID`, else a new one.
    static func resolve(on connection: MHDConnection) -> String {
        if let incoming = connection.header("X-Request-ID"), let kept = accepted(incoming) {
            return kept
        }
        return generate()
    }

    /// Whether `id` would be kept as an incoming `X-Request-ID`.
    public static func isValid(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= maximumLength && bytes.allSatisfy(isAllowed)
    }

    /// A new id.
    public static func generate() -> String {
        var mixed = seed &+ counter.wrappingAdd(1, ordering: .relaxed).oldValue &* 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return String(unsafeUninitializedCapacity: 15) { buffer in
            for index in 0..<15 {
                let digit = UInt8(truncatingIfNeeded: (mixed >> (UInt64(index) * 4)) & 0xF)
                buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            }
            return 15
        }
    }

    /// The incoming id as a string if it is valid; read straight from libmicrohttpd's copy, so an
    /// invalid one costs no allocation.
    static func accepted(_ text: UnsafePointer<CChar>) -> String? {
        var length = 0
        while text[length] != 0 {
            guard length < maximumLength, isAllowed(UInt8(bitPattern: text[length])) else { return nil }
            length += 1
        }
        guard length > 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static let seed = UInt64.random(in: 0 ... .max)
    private static let counter = Atomic<UInt64>(0)
}
