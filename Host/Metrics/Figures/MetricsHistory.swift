import Foundation

/// Readings of every addon's cumulative figures taken every ``interval``, kept for ``span`` in one
/// JSON file of the run folder, so any worker can answer "over the last minute / 15 minutes"
/// however recently it started. One process writes it (the supervisor, or the single-process
/// host); readers take whatever reading is older than the window's start.
public struct MetricsHistory: Sendable {
    /// One reading.
    public struct Reading: Codable, Sendable {
        /// Seconds since 1970.
        public var time: Double
        /// Each addon's cumulative figures.
        public var addons: [String: AddonFigures]
    }

    /// How often a reading is taken.
    public static let interval: Double = 10
    /// How far back readings are kept: the longest window plus a reading.
    public static let span: Double = 15 * 60 + 2 * interval

    /// The file.
    public let path: String

    /// The history in `path`.
    public init(path: String) {
        self.path = path
    }

    /// The readings, oldest first (none if the file is missing or unreadable).
    public func readings() -> [Reading] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode([Reading].self, from: data)) ?? []
    }

    /// Appends a reading of `table` at `now` if the last is at least ``interval`` old, dropping
    /// readings older than ``span``; the file is replaced atomically.
    /// - Returns: the readings as they are now.
    @discardableResult
    public func record(_ table: SeriesTable, now: Double) -> [Reading] {
        var kept = readings().filter { now - $0.time <= Self.span && $0.time <= now }
        if let last = kept.last, now - last.time < Self.interval { return kept }
        kept.append(Reading(time: now, addons: table.addonFigures()))
        if let data = try? JSONEncoder().encode(kept) {
            let temporary = path + ".\(getpid()).tmp"
            if FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) {
                if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
            }
        }
        return kept
    }

    /// `current` over the last `window` seconds: the difference from the newest reading at least
    /// `window` old (so up to ``interval`` more), else, when the host has run for less than the
    /// window, since it started.
    /// - Returns: the figures and the seconds they cover (nil: since the host started).
    public static func window(_ window: Double, current: AddonFigures, of addon: String, in readings: [Reading], now: Double) -> (figures: AddonFigures, seconds: Double?) {
        guard let start = readings.last(where: { now - $0.time >= window }) else { return (current, nil) }
        return (current.since(start.addons[addon] ?? AddonFigures()), now - start.time)
    }
}
