import BerthPackages
import BerthStorage
import Foundation

/// The check `pack` runs before signing: up → down → up of the SQLite migrations on a scratch
/// database, so a package whose downs do not undo its ups never gets signed.
enum MigrationCheck {
    static func run(_ entries: [MigrationEntry], folder: String) throws {
        let sqlite = entries.filter { $0.dialect == "sqlite" }
        guard !sqlite.isEmpty else { return }
        let migrations = try sqlite.map { entry in
            Migration(id: entry.id, up: try read(folder, entry.up), down: try read(folder, entry.down))
        }
        let scratch = NSTemporaryDirectory() + "addonctl-migrations-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            try SQLiteBackend(folder: scratch).withScratchNamespace { try MigrationRunner(database: $0).checkReversible(migrations) }
        } catch let error as MigrationError {
            let file = error.migrationID.isEmpty ? "\(folder)/migrations/sqlite" : "\(folder)/migrations/sqlite/\(error.migrationID).up.sql"
            throw CLIError("\(file): \(error.message)")
        }
    }

    private static func read(_ folder: String, _ archivePath: String) throws -> String {
        let path = folder + "/" + archivePath
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot be read") }
        return String(decoding: data, as: UTF8.self)
    }
}
