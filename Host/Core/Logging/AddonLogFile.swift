import Foundation
import Glibc
import PluginAPI

/// One addon's log: JSON lines in `.berth/logs/<id>.log`, rotated to `<id>.log.1` once the file
/// passes ``maximumBytes``, so an addon holds at most twice that on disk. Every process serving
/// the addon appends to the same file (each line is one `write` with `O_APPEND`); rotation happens
/// under an exclusive `flock` of `<id>.log.lock`, after checking that no other process rotated
/// first. Uninstall removes all three files.
public struct AddonLogFile: Sendable {
    /// One line as the admin API shows it.
    public struct Line: Codable, Sendable, Equatable {
        /// When, ISO 8601 with milliseconds.
        public var time: String
        /// Microseconds since 1970: the order of lines and the id of a live-tail event.
        public var timestamp: Int64
        /// `debug`, `info`, `warning` or `error`.
        public var level: String
        /// The message, sensitive configuration values redacted.
        public var message: String
        /// The request the line was written for, if any.
        public var requestID: String?
        /// The route template of that request (`GET /api/v1/greet/:name`), if any.
        public var route: String?
        /// The process that wrote it.
        public var worker: Int32
        /// The rest of the line's metadata, redacted.
        public var metadata: [String: JSONValue]

        enum CodingKeys: String, CodingKey {
            case time, timestamp, level, message, route, worker, metadata
            case requestID = "request_id"
        }
    }

    /// The addon.
    public let id: String
    /// The live file.
    public let path: String
    /// Bytes past which the live file is rotated.
    public let maximumBytes: Int

    /// The default of `BERTH_ADDON_LOG_BYTES`: 1 MiB per file.
    public static let defaultMaximumBytes = 1 << 20

    /// The log of addon `id` in `home`.
    public init(home: BerthHome, id: String, maximumBytes: Int = AddonLogFile.defaultMaximumBytes) {
        self.id = id
        self.path = Self.directory(of: home) + "/\(id).log"
        self.maximumBytes = maximumBytes
    }

    /// The folder of every addon's log.
    public static func directory(of home: BerthHome) -> String {
        home.stateDirectory + "/logs"
    }

    /// The live file, the rotated one and the lock: what uninstall removes.
    public var files: [String] { [path, path + ".1", path + ".lock"] }

    /// Appends `line`; a line that cannot be written is dropped (logging never fails a request).
    public func append(_ line: Line) {
        guard var data = try? Self.encoder.encode(line) else { return }
        data.append(UInt8(ascii: "\n"))
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            guard errno == ENOENT else { return }
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return retryAppend(data)
        }
        write(data, to: descriptor)
    }

    private func retryAppend(_ data: Data) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        write(data, to: descriptor)
    }

    private func write(_ data: Data, to descriptor: Int32) {
        defer { close(descriptor) }
        _ = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        var status = stat()
        if fstat(descriptor, &status) == 0, Int(status.st_size) > maximumBytes { rotate() }
    }

    /// Renames the live file to `.1` (replacing the older one) unless another process just did.
    private func rotate() {
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { return }
        defer { flock(lock, LOCK_UN) }
        var status = stat()
        guard stat(path, &status) == 0, Int(status.st_size) > maximumBytes else { return }
        rename(path, path + ".1")
    }

    /// The lines kept (rotated file first), oldest first, that match every given filter: at least
    /// `level`, written after `since` (microseconds since 1970), for `requestID`; at most the
    /// newest `limit`.
    public func lines(level: LogLevel? = nil, since: Int64? = nil, requestID: String? = nil, limit: Int = 100) -> [Line] {
        var matching: [Line] = []
        let decoder = JSONDecoder()
        for file in [path + ".1", path] {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            for raw in data.split(separator: UInt8(ascii: "\n")) {
                guard let line = try? decoder.decode(Line.self, from: Data(raw)) else { continue }
                if let level, (Self.level(named: line.level) ?? .debug) < level { continue }
                if let since, line.timestamp <= since { continue }
                if let requestID, line.requestID != requestID { continue }
                matching.append(line)
            }
        }
        matching.sort { $0.timestamp < $1.timestamp }
        return Array(matching.suffix(max(0, limit)))
    }

    /// The level `name` names (`debug`, `info`, `warning`, `error`).
    public static func level(named name: String) -> LogLevel? {
        [LogLevel.debug, .info, .warning, .error].first { $0.description == name.lowercased() }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
