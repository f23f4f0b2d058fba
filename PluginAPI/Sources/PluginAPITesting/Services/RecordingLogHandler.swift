import Foundation
import PluginAPI

/// The addon's log for tests: keeps every line, and prints it too when asked (`echo`).
///
/// `@unchecked Sendable`: its state is read and written only under `lock`.
public final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [LogEntry] = []
    private let echo: Bool

    /// Creates an empty log; with `echo`, lines are printed as they come.
    public init(echo: Bool = false) {
        self.echo = echo
    }

    /// The lines logged so far, in order.
    public var lines: [LogEntry] { lock.withLock { entries } }

    /// Keeps `entry`.
    public func log(_ entry: LogEntry) {
        lock.withLock { entries.append(entry) }
        if echo { print("[\(entry.label)] \(entry.level): \(entry.message) \(entry.metadata)") }
    }

    /// Keeps the line.
    public func log(level: LogLevel, message: String, metadata: [String: String], label: String) {
        log(LogEntry(level: level, message: message, metadata: metadata.mapValues { .string($0) }, label: label))
    }
}
