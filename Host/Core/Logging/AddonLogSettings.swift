import Foundation
import PluginAPI

/// `BERTH_ADDON_LOG_BYTES` (bytes per log file before it rotates, default 1 MiB, 4 KiB…1 GiB) and
/// `BERTH_ADDON_LOG_LEVEL` (the least severe level kept, default `info`).
public struct AddonLogSettings: Sendable {
    /// Bytes per file.
    public var maximumBytes = AddonLogFile.defaultMaximumBytes
    /// The least severe level kept.
    public var minimumLevel = LogLevel.info

    /// The settings of `environment`.
    /// - Throws: ``BerthError`` (`invalid_setting`) naming the variable.
    public init(environment: [String: String]) throws {
        if let value = environment["BERTH_ADDON_LOG_BYTES"], !value.isEmpty {
            guard let bytes = Int(value), (4096 ... (1 << 30)).contains(bytes) else {
                throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_ADDON_LOG_BYTES=\(value.prefix(20)) must be a number of bytes from 4096 to 1073741824")
            }
            maximumBytes = bytes
        }
        if let value = environment["BERTH_ADDON_LOG_LEVEL"], !value.isEmpty {
            guard let level = AddonLogFile.level(named: value) else {
                throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_ADDON_LOG_LEVEL=\(value.prefix(20)) must be debug, info, warning or error")
            }
            minimumLevel = level
        }
    }

    /// The process's settings; a malformed value was refused at start (see ``BerthServer``), so
    /// here it falls back to the default.
    public static let current = (try? AddonLogSettings(environment: ProcessInfo.processInfo.environment)) ?? AddonLogSettings()

    private init() {}
}
