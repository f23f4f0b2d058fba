/// The severity of a log line.
public enum LogLevel: Int, Sendable, Comparable, CustomStringConvertible {
    /// Details for debugging.
    case debug
    /// Normal operation.
    case info
    /// Something unexpected that was handled.
    case warning
    /// A failure.
    case error

    /// The level's name.
    public var description: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// Orders levels by severity.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a ``Logger`` sends its lines; implemented by the host.
public protocol LogHandler: Sendable {
    /// Writes one line.
    func log(level: LogLevel, message: String, metadata: [String: String], label: String)
}

/// A logger whose lines carry a label (for an addon: its id).
public struct Logger: Sendable {
    /// The label written with every line.
    public let label: String

    private let handler: any LogHandler

    /// Creates a logger; the host gives each addon one through ``AddonContext/logger``.
    public init(label: String, handler: any LogHandler) {
        self.label = label
        self.handler = handler
    }

    /// Writes a line at `level`.
    public func log(_ level: LogLevel, _ message: String, metadata: [String: String] = [:]) {
        handler.log(level: level, message: message, metadata: metadata, label: label)
    }

    /// Writes a debug line.
    public func debug(_ message: String, metadata: [String: String] = [:]) { log(.debug, message, metadata: metadata) }
    /// Writes an info line.
    public func info(_ message: String, metadata: [String: String] = [:]) { log(.info, message, metadata: metadata) }
    /// Writes a warning line.
    public func warning(_ message: String, metadata: [String: String] = [:]) { log(.warning, message, metadata: metadata) }
    /// Writes an error line.
    public func error(_ message: String, metadata: [String: String] = [:]) { log(.error, message, metadata: metadata) }
}
