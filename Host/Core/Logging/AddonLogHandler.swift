import Foundation
import Glibc
import PluginAPI

/// Where an addon's logger writes: the addon's own ``AddonLogFile``, never the host's output.
/// Each line carries its level, time, request id and route (bound by the request's logger), and
/// this process's id; values of the addon's sensitive configuration keys are replaced by
/// `[redacted]` wherever they appear, as in the host's lines. A development host
/// (`BERTH_DEV_MODE=1`) also echoes them to its output for the developer.
public struct AddonLogHandler: LogHandler {
    private let file: AddonLogFile
    private let secrets: @Sendable () -> [String]
    /// Whether each line is also written to standard error (a development host, whose developer
    /// watches its output: `addonctl dev`).
    private let echoes: Bool

    /// The least severe level written (`BERTH_ADDON_LOG_LEVEL`, default `info`).
    public let minimumLevel: LogLevel

    /// A handler writing to `file`, redacting the strings `secrets` returns at the time of each line.
    /// With `echoes`, each line also goes to standard error, labelled with the addon's id.
    public init(file: AddonLogFile, minimumLevel: LogLevel = .info, echoes: Bool = false, secrets: @escaping @Sendable () -> [String] = { [] }) {
        self.file = file
        self.minimumLevel = minimumLevel
        self.echoes = echoes
        self.secrets = secrets
    }

    /// Writes one line with text metadata.
    public func log(level: LogLevel, message: String, metadata: [String: String], label: String) {
        log(LogEntry(level: level, message: message, metadata: metadata.mapValues { .string($0) }, label: label))
    }

    /// Writes one line.
    public func log(_ entry: LogEntry) {
        guard entry.level >= minimumLevel, let line = line(for: entry) else { return }
        file.append(line)
        if echoes, var data = try? JSONEncoder().encode(Echo(addon: file.id, line: line)) {
            data.append(UInt8(ascii: "\n"))
            FileHandle.standardError.write(data)
        }
    }

    /// The line for `entry`, redacted.
    func line(for entry: LogEntry, now: Date = Date()) -> AddonLogFile.Line? {
        let redaction = LogRedaction(secrets: secrets())
        var metadata = redaction.fields(entry.metadata)
        var requestID: String?
        var route: String?
        if case .string(let value) = metadata.removeValue(forKey: "request_id") { requestID = value }
        if case .string(let value) = metadata.removeValue(forKey: "route") { route = value }
        return AddonLogFile.Line(
            time: Self.timeFormatter.string(from: now), timestamp: Int64(now.timeIntervalSince1970 * 1_000_000),
            level: entry.level.description, message: redaction.redact(entry.message),
            requestID: requestID, route: route, worker: getpid(), metadata: metadata
        )
    }

    // ISO8601DateFormatter is documented thread-safe; it is only read after being made here.
    nonisolated(unsafe) private static let timeFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

/// A line echoed to standard error: the addon's id beside the line's fields.
private struct Echo: Encodable {
    let addon: String
    let line: AddonLogFile.Line

    func encode(to encoder: any Encoder) throws {
        try line.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(addon, forKey: .label)
    }

    enum Keys: String, CodingKey { case label }
}

/// Replaces secret values in log text and metadata; metadata keeps its type.
struct LogRedaction {
    let hidden: [String]

    init(secrets: [String]) {
        hidden = secrets.filter { !$0.isEmpty }
    }

    func redact(_ text: String) -> String {
        hidden.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    func fields(_ metadata: LogMetadata) -> [String: JSONValue] {
        metadata.mapValues { value in
            switch value {
            case .string(let text): .string(redact(text))
            case .integer(let number): .number(Double(number))
            case .double(let number): number.isFinite ? .number(number) : .string(String(number))
            case .bool(let flag): .bool(flag)
            @unknown default: .string(redact(value.description))
            }
        }
    }
}
