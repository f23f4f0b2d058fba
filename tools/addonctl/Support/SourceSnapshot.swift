import Foundation

/// The modification times of what `pack` builds from: `Package.swift`, `addon.json`, and the
/// files under `Sources/`, `migrations/` and `assets/`. Two snapshots differ when a file changed,
/// appeared or went away; polling them needs no file-watching library.
struct SourceSnapshot: Equatable {
    private var stamps: [String: Date] = [:]

    init(_ folder: String) {
        let manager = FileManager.default
        for file in ["Package.swift", "addon.json"] {
            stamps[file] = Self.modified(folder + "/" + file)
        }
        for tree in ["Sources", "migrations", "assets"] {
            guard let enumerator = manager.enumerator(atPath: folder + "/" + tree) else { continue }
            while let relative = enumerator.nextObject() as? String {
                stamps[tree + "/" + relative] = Self.modified(folder + "/" + tree + "/" + relative)
            }
        }
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
