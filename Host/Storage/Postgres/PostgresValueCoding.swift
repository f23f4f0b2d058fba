import CPostgres
import PluginAPI

/// How ``SQLValue``s travel to and from PostgreSQL.
///
/// Parameters go in text format with type `unknown` (OID 0) so the server infers each one from its
/// context, as it does for a quoted literal: `.integer(1)` fits an `int4`, `numeric`, `bool` or
/// `text` column alike, which keeps SQL portable between the SQLite and PostgreSQL backends. Blobs
/// are the exception: they go in binary format as `bytea`, since their bytes are not text.
/// Results come in text format and are typed from each column's type OID.
enum PostgresValueCoding {
    /// Type OIDs from `pg_type.dat`; they are fixed for built-in types.
    enum TypeOID {
        static let bool: Oid = 16
        static let bytea: Oid = 17
        static let int8: Oid = 20
        static let int2: Oid = 21
        static let int4: Oid = 23
        static let oid: Oid = 26
        static let float4: Oid = 700
        static let float8: Oid = 701
        static let numeric: Oid = 1700
    }

    /// A statement's parameters, laid out for `PQexecParams` / `PQexecPrepared`.
    struct Parameters {
        /// Every value back to back, each text value NUL-terminated.
        private var storage: [UInt8] = []
        private var offsets: [Int?] = []
        private(set) var types: [Oid] = []
        private(set) var lengths: [Int32] = []
        private(set) var formats: [Int32] = []

        var count: Int32 { Int32(types.count) }

        /// Identifies the parameter types, so one SQL text prepared with different types gets
        /// a statement per type list.
        var typeSignature: String { types.map(String.init).joined(separator: ",") }

        init(_ values: [SQLValue], sql: String) throws {
            for (index, value) in values.enumerated() {
                switch value {
                case .null: append(nil, type: 0, binary: false)
                case .integer(let number): append(Array(String(number).utf8), type: 0, binary: false)
                case .real(let number): append(Array(Self.text(of: number).utf8), type: 0, binary: false)
                case .text(let text):
                    guard !text.utf8.contains(0) else {
                        throw PostgresError.invalidParameter("parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot hold", sql: sql)
                    }
                    append(Array(text.utf8), type: 0, binary: false)
                case .blob(let bytes): append(bytes, type: TypeOID.bytea, binary: true)
                @unknown default:
                    throw PostgresError.invalidParameter("parameter $\(index + 1) has an unsupported kind \(value)", sql: sql)
                }
            }
        }

        private mutating func append(_ bytes: [UInt8]?, type: Oid, binary: Bool) {
            types.append(type)
            formats.append(binary ? 1 : 0)
            guard let bytes else {
                offsets.append(nil)
                lengths.append(0)
                return
            }
            offsets.append(storage.count)
            lengths.append(Int32(bytes.count))
            storage.append(contentsOf: bytes)
            storage.append(0)
        }

        /// Calls `body` with C arrays valid only for the call: values (NULL for SQL NULL), lengths
        /// and formats.
        func withCArrays<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<Int32>, UnsafePointer<Int32>) throws -> R) rethrows -> R {
            try storage.withUnsafeBufferPointer { buffer in
                let base = UnsafeRawPointer(buffer.baseAddress)
                // A trailing sentinel keeps every array non-empty, so each has a base address;
                // libpq reads only the first `count` entries.
                let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                    guard let offset, let base else { return nil }
                    return (base + offset).assumingMemoryBound(to: CChar.self)
                } + [nil]
                return try pointers.withUnsafeBufferPointer { values in
                    try (lengths + [0]).withUnsafeBufferPointer { lengths in
                        try (formats + [0]).withUnsafeBufferPointer { formats in
                            try body(values.baseAddress!, lengths.baseAddress!, formats.baseAddress!)
                        }
                    }
                }
            }
        }

        /// PostgreSQL's spelling of a double: shortest round-tripping digits, and its own names for
        /// the non-finite values.
        static func text(of number: Double) -> String {
            if number.isNaN { return "NaN" }
            if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
            return "\(number)"
        }
    }

    /// A text-format value of a column of type `type`: integers, floats, numerics and booleans
    /// become numbers, `bytea` bytes, anything else text.
    static func decode(_ bytes: UnsafeRawBufferPointer, type: Oid) -> SQLValue {
        let text = String(decoding: bytes, as: UTF8.self)
        switch type {
        case TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.oid:
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case TypeOID.float4, TypeOID.float8, TypeOID.numeric:
            return Double(text).map(SQLValue.real) ?? .text(text)
        case TypeOID.bool:
            return .integer(text == "t" ? 1 : 0)
        case TypeOID.bytea:
            return decodeHex(bytes).map(SQLValue.blob) ?? .text(text)
        default:
            return .text(text)
        }
    }

    /// `bytea` in the hex output format (`\x00ff`), the server default since 9.0.
    private static func decodeHex(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0 else { return nil }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity((bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }
}
