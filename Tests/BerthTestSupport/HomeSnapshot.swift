import BerthPackages
import Foundation

/// Every file and folder under a home with its SHA-256, to prove an operation changed nothing.
public struct HomeSnapshot: Equatable, CustomStringConvertible, Sendable {
    /// Relative path → SHA-256 (or `dir` for a folder).
    public let entries: [String: String]

    /// Reads the home now.
    public init(_ home: String) {
        var entries: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: home)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = home + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            // SQLite's shared-memory index changes on reads, and `.berth/run` holds the host's
            // running counters (rate limits, metrics), which every request changes: not state.
            if relative.hasSuffix("-shm") || relative == ".berth/run" || relative.hasPrefix(".berth/run/") { continue }
            entries[relative] = isDirectory.boolValue ? "dir" : ((try? SHA256Digest.hex(fileAt: path)) ?? "unreadable")
        }
        self.entries = entries
    }

    /// What differs from `other`, one line per path.
    public func difference(from other: HomeSnapshot) -> [String] {
        let paths = Set(entries.keys).union(other.entries.keys).sorted()
        return paths.compactMap { path in
            switch (other.entries[path], entries[path]) {
            case (nil, _?): return "added \(path)"
            case (_?, nil): return "removed \(path)"
            case let (before?, after?) where before != after: return "changed \(path)"
            default: return nil
            }
        }
    }

    /// The paths, sorted.
    public var description: String { entries.keys.sorted().joined(separator: "\n") }
}
