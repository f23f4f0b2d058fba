import Foundation
import PluginAPI
import Synchronization

/// Writes one JSON object per line to standard error, with the addon's id as label. Values of the
/// addon's sensitive configuration keys are replaced by `[redacted]` wherever they appear.
public struct HostLogHandler: LogHandler {
    private let secrets: @Sendable () -> [String]
    private let minimumLevel: LogLevel

    /// Creates a handler that redacts the strings `secrets` returns at the time of each line.
    public init(minimumLevel: LogLevel = .info, secrets: @escaping @Sendable () -> [String] = { [] }) {
        self.minimumLevel = minimumLevel
        self.secrets = secrets
    }

    /// Writes one line.
    public func log(level: LogLevel, message: String, metadata: [String: String], label: String) {
        guard level >= minimumLevel else { return }
        let hidden = secrets().filter { !$0.isEmpty }
        func redact(_ text: String) -> String {
            hidden.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
        }
        var line: [String: String] = metadata.mapValues(redact)
        line["time"] = ISO8601DateFormatter().string(from: Date())
        line["level"] = level.description
        line["label"] = label
        line["message"] = redact(message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}
