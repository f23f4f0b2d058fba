import BerthPackages
import Foundation

/// The migrations of an addon folder: `migrations/<dialect>/<id>.up.sql` with a matching
/// `<id>.down.sql` each.
enum MigrationFiles {
    static func collect(in folder: String) throws -> (entries: [MigrationEntry], files: [(archivePath: String, sourcePath: String)]) {
        let manager = FileManager.default
        guard let dialects = try? manager.contentsOfDirectory(atPath: folder) else { return ([], []) }
        var entries: [MigrationEntry] = []
        var files: [(String, String)] = []
        for dialect in dialects.sorted() {
            let names = try manager.contentsOfDirectory(atPath: folder + "/" + dialect)
            for name in names where !name.hasSuffix(".up.sql") && !name.hasSuffix(".down.sql") {
                throw CLIError("\(folder)/\(dialect)/\(name): migration files are named <id>.up.sql and <id>.down.sql")
            }
            for up in names.filter({ $0.hasSuffix(".up.sql") }).sorted() {
                let id = String(up.dropLast(".up.sql".count))
                let down = id + ".down.sql"
                guard names.contains(down) else {
                    throw CLIError("\(folder)/\(dialect)/\(up): has no \(down); every up-migration needs the down-migration that reverses it")
                }
                entries.append(MigrationEntry(id: id, dialect: dialect, up: "migrations/\(dialect)/\(up)", down: "migrations/\(dialect)/\(down)"))
                files.append(("migrations/\(dialect)/\(up)", folder + "/\(dialect)/\(up)"))
                files.append(("migrations/\(dialect)/\(down)", folder + "/\(dialect)/\(down)"))
            }
            for down in names where down.hasSuffix(".down.sql") && !names.contains(String(down.dropLast(".down.sql".count)) + ".up.sql") {
                throw CLIError("\(folder)/\(dialect)/\(down): has no matching up-migration")
            }
        }
        return (entries, files)
    }
}
