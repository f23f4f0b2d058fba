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
///
/// Implement ``log(_:)`` (PluginAPI 1.2) or ``log(level:message:metadata:label:)`` (1.x): each
/// defaults to the other.
public protocol LogHandler: Sendable {
    /// Writes one line (PluginAPI 1.x), metadata as text.
    func log(level: LogLevel, message: String, metadata: [String: String], label: String)

    /// The least severe level written; a ``Logger`` builds no message below it.
    var minimumLevel: LogLevel { get }

    /// Writes one line with typed metadata.
    func log(_ entry: LogEntry)
}

extension LogHandler {
    /// By default every level is written.
    public var minimumLevel: LogLevel { .debug }

    /// By default a line goes to the 1.x requirement, metadata as text.
    public func log(_ entry: LogEntry) {
        log(level: entry.level, message: entry.message, metadata: entry.metadata.mapValues(\.description), label: entry.label)
    }

    /// By default a 1.x line goes to ``log(_:)``, metadata as strings.
    public func log(level: LogLevel, message: String, metadata: [String: String], label: String) {
        log(LogEntry(level: level, message: message, metadata: metadata.mapValues { .string($0) }, label: label))
    }
}

/// A logger whose lines carry a label (for an addon: its id) and bound metadata (in a request: its
/// `request_id`).
///
/// Messages and metadata are `@autoclosure`s: below the handler's ``LogHandler/minimumLevel`` they
/// are never built.
public struct Logger: Sendable {
    /// The label written with every line.
    public let label: String

    /// Metadata written with every line, under the line's own.
    public private(set) var metadata: LogMetadata = [:]

    private let handler: any LogHandler

    /// Creates a logger; the host gives each addon one through ``AddonContext/logger``.
    public init(label: String, handler: any LogHandler) {
        self.label = label
        self.handler = handler
    }

    /// This logger with `metadata` bound to every line (over any bound before).
    public func with(_ metadata: LogMetadata) -> Logger {
        var bound = self
        bound.metadata.merge(metadata) { _, new in new }
        return bound
    }

    /// Whether a line at `level` would be written.
    public func isEnabled(_ level: LogLevel) -> Bool {
        level >= handler.minimumLevel
    }

    /// Writes a line at `level`; `message` and `metadata` are built only if the level is enabled.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) {
        guard isEnabled(level) else { return }
        var merged = self.metadata
        let own = metadata()
        if merged.isEmpty { merged = own } else { merged.merge(own) { _, new in new } }
        handler.log(LogEntry(level: level, message: message(), metadata: merged, label: label))
    }

    /// Writes a debug line.
    public func debug(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) { log(.debug, message(), metadata: metadata()) }
    /// Writes an info line.
    public func info(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) { log(.info, message(), metadata: metadata()) }
    /// Writes a warning line.
    public func warning(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) { log(.warning, message(), metadata: metadata()) }
    /// Writes an error line.
    public func error(_ message: @autoclosure () -> String, metadata: @autoclosure () -> LogMetadata = [:]) { log(.error, message(), metadata: metadata()) }

    // PluginAPI 1.x: string metadata. Kept for built addons and for metadata held in a
    // `[String: String]`; disfavoured, so a literal picks the typed overloads above.

    /// Writes a line at `level` with text metadata (PluginAPI 1.x).
    @_disfavoredOverload
    public func log(_ level: LogLevel, _ message: String, metadata: [String: String] = [:]) {
        log(level, message, metadata: metadata.mapValues { LogValue.string($0) })
    }

    /// Writes a debug line with text metadata (PluginAPI 1.x).
    @_disfavoredOverload
    public func debug(_ message: String, metadata: [String: String] = [:]) { log(.debug, message, metadata: metadata) }
    /// Writes an info line with text metadata (PluginAPI 1.x).
    @_disfavoredOverload
    public func info(_ message: String, metadata: [String: String] = [:]) { log(.info, message, metadata: metadata) }
    /// Writes a warning line with text metadata (PluginAPI 1.x).
    @_disfavoredOverload
    public func warning(_ message: String, metadata: [String: String] = [:]) { log(.warning, message, metadata: metadata) }
    /// Writes an error line with text metadata (PluginAPI 1.x).
    @_disfavoredOverload
    public func error(_ message: String, metadata: [String: String] = [:]) { log(.error, message, metadata: metadata) }
}
