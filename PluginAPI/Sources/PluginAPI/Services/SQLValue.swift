/// A value bound to, or read from, an SQL statement.
public enum SQLValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A 64-bit integer.
    case integer(Int64)
    /// A double-precision number.
    case real(Double)
    /// Text.
    case text(String)
    /// Bytes.
    case blob([UInt8])

    /// The value as an integer, if it is one.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value as text, if it is text.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The value as a number, if it is an integer or a real.
    public var real: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
}

/// One row of a query's result.
public struct SQLRow: Sendable, Hashable {
    /// The column names, in order.
    public let columns: [String]

    /// The values, in the order of ``columns``.
    public let values: [SQLValue]

    /// Creates a row; called by the host.
    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the column `name`, or `nil` if the row has no such column.
    public subscript(name: String) -> SQLValue? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return values[index]
    }
}
