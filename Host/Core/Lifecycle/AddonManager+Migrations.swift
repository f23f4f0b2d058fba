import BerthPackages
import BerthStorage
import Foundation

extension AddonManager {
    /// The migrations of this host's dialect, with their scripts read from the install folder.
    func loadMigrations(_ manifest: Manifest, installPath: String) throws -> [Migration] {
        try manifest.migrations.filter { $0.dialect == Self.dialect }.map { entry in
            func script(_ relative: String) throws -> String {
                guard let data = FileManager.default.contents(atPath: installPath + "/" + relative) else {
                    throw BerthError.unprocessable("missing_file", "migration \(entry.id) of \(manifest.id): \(relative) is missing")
                }
                return String(decoding: data, as: UTF8.self)
            }
            return Migration(id: entry.id, up: try script(entry.up), down: try script(entry.down))
        }
    }

    /// Creates the addon's database file, kept to itself; its undo closes and deletes it.
    func openDatabase(_ path: String, undo: inout UndoStack) throws -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path)
        } catch {
            throw BerthError.internalError("database_unavailable", "cannot create \(home.relative(path)): \(error)", cause: error)
        }
        connection.restrictToOwnFile()
        undo.push("database") {
            connection.close()
            Self.deleteDatabaseFiles(path)
        }
        return connection
    }

    /// Applies migrations in order; a failing one is rolled back with every one before it.
    func runMigrations(_ migrations: [Migration], on connection: SQLiteConnection) throws -> [String] {
        do {
            return try MigrationRunner(database: connection).applyAll(migrations)
        } catch let error as MigrationError {
            throw BerthError.unprocessable(error.code, error.message, cause: error)
        }
    }

    /// Deletes a SQLite database with its journal files.
    /// - Returns: the paths that existed.
    @discardableResult
    static func deleteDatabaseFiles(_ path: String) -> [String] {
        [path, path + "-wal", path + "-shm", path + "-journal"].filter { candidate in
            guard FileSystem.exists(candidate) else { return false }
            try? FileManager.default.removeItem(atPath: candidate)
            return true
        }
    }
}
