/// A `Decoder` over one row: a keyed container whose keys are the row's columns.
struct SQLRowDecoder: Decoder {
    let row: SQLRow
    let typeName: String

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row, typeName: typeName))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DatabaseError.decodingFailed("\(typeName) decodes from a list, and a row is not one: decode a struct whose properties name the columns")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.values.count == 1 else {
            throw DatabaseError.decodingFailed("\(typeName) decodes from a single value, and the row has \(row.values.count) columns (\(row.columns.joined(separator: ", ")))")
        }
        return ColumnDecoder(value: row.values[0], column: row.columns[0], path: typeName)
    }
}

/// The row's columns, found by a key's name or its snake_case spelling.
private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: SQLRow
    let typeName: String

    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.columns.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { index(of: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let index = index(of: key) else { return true }
        return row.values[index] == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let index = index(of: key) else {
            throw DatabaseError.decodingFailed("\(typeName).\(key.stringValue): the row has no column \(key.stringValue)\(snakeCased(key.stringValue).map { " or \($0)" } ?? "") (its columns: \(row.columns.joined(separator: ", ")))")
        }
        return try ColumnDecoder(value: row.values[index], column: row.columns[index], path: "\(typeName).\(key.stringValue)").decode(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw DatabaseError.decodingFailed("\(typeName).\(key.stringValue): a column holds one value, not an object")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let decoder = try decoderFor(key)
        return try decoder.unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { SQLRowDecoder(row: row, typeName: typeName) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoderFor(key) }

    private func decoderFor(_ key: Key) throws -> ColumnDecoder {
        guard let index = index(of: key) else {
            throw DatabaseError.decodingFailed("\(typeName).\(key.stringValue): the row has no column \(key.stringValue) (its columns: \(row.columns.joined(separator: ", ")))")
        }
        return ColumnDecoder(value: row.values[index], column: row.columns[index], path: "\(typeName).\(key.stringValue)")
    }

    private func index(of key: Key) -> Int? {
        if let index = row.columns.firstIndex(of: key.stringValue) { return index }
        guard let snake = snakeCased(key.stringValue) else { return nil }
        return row.columns.firstIndex(of: snake)
    }

    /// `createdAt` → `created_at`; `nil` when the name has no capital to split at.
    private func snakeCased(_ name: String) -> String? {
        guard name.contains(where: \.isUppercase) else { return nil }
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// One column's value, as a decoder (for a property type with its own `init(from:)`, such as a
/// raw-value enum) and as its single value.
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLValue
    let column: String
    /// `Type.property`, for messages.
    let path: String

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw mismatch("an object")
    }

    /// A blob's bytes, for `[UInt8]` and the like.
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .blob(let bytes) = value else { throw mismatch("a list of bytes (a blob)") }
        return BytesContainer(bytes: bytes, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch value {
        case .integer(0): return false
        case .integer(1): return true
        default: throw mismatch("Bool (0 or 1)")
        }
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .text(let text) = value else { throw mismatch("String") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let number = value.real else { throw mismatch("Double") }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard let number = value.real else { throw mismatch("Float") }
        return Float(number)
    }

    func decode(_ type: Int.Type) throws -> Int { try integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if value == .null, !(T.self is any OptionalMarker.Type) {
            throw mismatch("\(T.self)")
        }
        return try T(from: self)
    }

    private func integer<T: FixedWidthInteger>() throws -> T {
        switch value {
        case .integer(let number):
            if let fitting = T(exactly: number) { return fitting }
        case .real(let number):
            if let fitting = T(exactly: number) { return fitting }
        default:
            break
        }
        throw mismatch("\(T.self)")
    }

    private func mismatch(_ expected: String) -> DatabaseError {
        DatabaseError.decodingFailed("\(path): column \(column) holds \(Self.describe(value)), \(expected) expected")
    }

    static func describe(_ value: SQLValue) -> String {
        switch value {
        case .null: return "NULL"
        case .integer(let number): return "integer \(number)"
        case .real(let number): return "real \(number)"
        case .text(let text): return "text \"\(text.prefix(40))\(text.count > 40 ? "…" : "")\""
        case .blob(let bytes): return "a blob of \(bytes.count) bytes"
        @unknown default: return "\(value)"
        }
    }
}

/// Lets the decoder tell an optional property (which takes `NULL`) from one that does not.
private protocol OptionalMarker {}
extension Optional: OptionalMarker {}

/// A blob's bytes as a list of `UInt8`.
private struct BytesContainer: UnkeyedDecodingContainer {
    let bytes: [UInt8]
    let path: String
    var currentIndex = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var codingPath: [any CodingKey] { [] }
    var count: Int? { bytes.count }
    var isAtEnd: Bool { currentIndex >= bytes.count }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else { throw DatabaseError.decodingFailed("\(path): read past the end of the blob") }
        guard let byte = bytes[currentIndex] as? T else {
            throw DatabaseError.decodingFailed("\(path): a blob decodes into bytes ([UInt8]), not a list of \(T.self)")
        }
        currentIndex += 1
        return byte
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        throw DatabaseError.decodingFailed("\(path): a blob holds bytes, not objects")
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DatabaseError.decodingFailed("\(path): a blob holds bytes, not lists")
    }

    mutating func superDecoder() throws -> any Decoder {
        throw DatabaseError.decodingFailed("\(path): a blob holds bytes")
    }
}
