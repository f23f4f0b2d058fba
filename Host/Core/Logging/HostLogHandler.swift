import Foundation
import PluginAPI
import Synchronization

/// Writes one JSON object per line to standard error, with the addon's id as label. Values of the
/// addon's sensitive configuration keys are replaced by `[redacted]` wherever they appear.
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
        let hidden = secrets().filter { !$0.isEmpty }
        func redact(_ text: String) -> String {
            hidden.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
        }
        var line: [String: JSONValue] = entry.metadata.mapValues { value in
            switch value {
            case .string(let text): .string(redact(text))
            case .integer(let number): .number(Double(number))
            case .double(let number): number.isFinite ? .number(number) : .string(String(number))
            case .bool(let flag): .bool(flag)
            @unknown default: .string(redact(value.description))
            }
        }
        line["time"] = .string(ISO8601DateFormatter().string(from: Date()))
        line["level"] = .string(entry.level.description)
        line["label"] = .string(entry.label)
        line["message"] = .string(redact(entry.message))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try? encoder.encode(line)
    }
}
