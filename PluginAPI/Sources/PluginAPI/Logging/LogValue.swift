/// A typed metadata value of a log line: written as a JSON string, number or boolean.
///
/// Literals convert by themselves: `["user": "\(id)", "rows": 3, "cached": true]`.
public enum LogValue: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    /// Text.
    case string(String)
    /// A whole number.
    case integer(Int64)
    /// A number.
    case double(Double)
    /// A boolean.
    case bool(Bool)

    /// Creates a string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates an integer value.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// Creates a number value.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// Creates a boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    /// The value as text.
    public var description: String {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        }
    }
}

/// The metadata of a log line, by key.
public typealias LogMetadata = [String: LogValue]

/// One log line as a ``LogHandler`` receives it.
public struct LogEntry: Sendable {
    /// The severity.
    public var level: LogLevel
    /// The message, built only because the level passed the handler's ``LogHandler/minimumLevel``.
    public var message: String
    /// The logger's bound metadata (e.g. `request_id`) merged with the line's own.
    public var metadata: LogMetadata
    /// The logger's label: for an addon, its id.
    public var label: String

    /// Creates an entry.
    public init(level: LogLevel, message: String, metadata: LogMetadata, label: String) {
        self.level = level
        self.message = message
        self.metadata = metadata
        self.label = label
    }
}
