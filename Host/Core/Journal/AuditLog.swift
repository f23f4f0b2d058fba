import Foundation
import PluginAPI
import Synchronization

/// Every lifecycle transition of every addon, one JSON object per line in `.berth/audit.log`:
/// the history an administrator reads with `GET /api/v1/addons/{id}/events`.
final class AuditLog: Sendable {
    struct Entry: Codable, Sendable {
        let time: String
        let id: String
        let event: String
        let version: String?
        let detail: String?
    }

    private let path: String
    private let lock = Mutex(())

    init(path: String) {
        self.path = path
    }

    func record(id: String, event: String, version: String?, detail: String? = nil) {
        let entry = Entry(time: ISO8601DateFormatter().string(from: Date()), id: id, event: event, version: version, detail: detail)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let line = try? encoder.encode(entry) else { return }
        lock.withLock { _ in
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            defer { try? handle.close() }
            handle.seekToEndOfFile()
            handle.write(line + Data("\n".utf8))
        }
    }

    /// The newest entries first, at most `limit`, of one addon and one event when given.
    func recent(addon: String? = nil, event: String? = nil, limit: Int) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        var found: [Entry] = []
        for line in data.split(separator: UInt8(ascii: "\n")).reversed() where found.count < limit {
            guard let entry = try? decoder.decode(Entry.self, from: Data(line)) else { continue }
            if let addon, entry.id != addon { continue }
            if let event, entry.event != event { continue }
            found.append(entry)
        }
        return found
    }

    func entries(for id: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }.filter { $0.id == id }
    }
}
