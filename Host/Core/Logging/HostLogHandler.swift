import Foundation
import PluginAPI
import Synchronization

/// Writes one JSON object per line to standard error: the host's own lines (an addon's go to its
/// ``AddonLogFile`` through ``AddonLogHandler``). Values of sensitive configuration keys given as
/// `secrets` are replaced by `[redacted]` wherever they appear.
///
/// Metadata keeps its type (numbers and booleans are JSON numbers and booleans); the keys `time`,
/// `level`, `label` and `message` are the line's own and win over metadata of the same name.
public struct HostLogHandler: LogHandler {
    private let secrets: @Sendable () -> [String]

    /// The least severe level written; a ``PluginAPI/Logger`` builds no message below it.
    public let minimumLevel: LogLevel

    /// Creates a handler that redacts the strings `secrets` returns at the time of each line.
    public init(minimumLevel: LogLevel = .info, secrets: @escaping @Sendable () -> [String] = { [] }) {
        self.minimumLevel = minimumLevel
        self.secrets = secrets
    }

    /// Writes one line with text metadata.
    public func log(level: LogLevel, message: String, metadata: [String: String], label: String) {
        log(LogEntry(level: level, message: message, metadata: metadata.mapValues { .string($0) }, label: label))
    }

    /// Writes one line.
    public func log(_ entry: LogEntry) {
        guard let data = line(for: entry) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }

    /// The line for `entry`, as JSON; `nil` below the minimum level.
    func line(for entry: LogEntry) -> Data? {
        guard entry.level >= minimumLevel else { return nil }
        let redaction = LogRedaction(secrets: secrets())
        var line = redaction.fields(entry.metadata)
        line["time"] = .string(Self.timeFormatter.string(from: Date()))
        line["level"] = .string(entry.level.description)
        line["label"] = .string(entry.label)
        line["message"] = .string(redaction.redact(entry.message))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try? encoder.encode(line)
    }

    // One formatter for every line: making one costs tens of microseconds (it loads the locale's
    // date symbols). ISO8601DateFormatter is documented thread-safe; it is only read after being made.
    nonisolated(unsafe) private static let timeFormatter = ISO8601DateFormatter()
}
