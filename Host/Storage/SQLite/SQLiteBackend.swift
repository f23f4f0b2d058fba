import Foundation
import PluginAPI

/// The embedded default: every addon's data in a SQLite file of its own, `<folder>/<id>.sqlite`,
/// that no other addon's connection can attach.
public struct SQLiteBackend: AddonDataBackend {
    /// The folder of the addons' database files.
    public let folder: String

    /// Keeps the addons' databases in `folder`.
    public init(folder: String) {
        self.folder = folder
    }

    /// `sqlite`.
    public var dialect: String { "sqlite" }

    /// The database file of addon `id`.
    public func location(of id: String) -> String { folder + "/\(id).sqlite" }

    /// Whether the file exists.
    public func namespaceExists(_ id: String) throws -> Bool {
        FileManager.default.fileExists(atPath: location(of: id))
    }

    /// Creates the file.
    public func createNamespace(_ id: String) throws -> any AddonDataHandle {
        guard try !namespaceExists(id) else {
            throw SQLiteError.open(location(of: id), 0, "the file already exists")
        }
        return try openNamespace(id)
    }

    /// Opens the file, restricted to itself.
    public func openNamespace(_ id: String) throws -> any AddonDataHandle {
        let connection = try SQLiteConnection(path: location(of: id))
        connection.restrictToOwnFile()
        return connection
    }

    /// Deletes the file and its journals.
    public func dropNamespace(_ id: String) throws -> [String] {
        let path = location(of: id)
        var removed: [String] = []
        for candidate in [path, path + "-wal", path + "-shm", path + "-journal"] where FileManager.default.fileExists(atPath: candidate) {
            try FileManager.default.removeItem(atPath: candidate)
            removed.append(candidate)
        }
        return removed
    }

    /// The files of addon `id` that still exist.
    public func residue(of id: String) -> [String] {
        let path = location(of: id)
        return [path, path + "-wal", path + "-shm", path + "-journal"]
            .filter { FileManager.default.fileExists(atPath: $0) }
            .map { "database file \($0)" }
    }
}

extension SQLiteConnection: AddonDataHandle {
    /// The connection as the addon's database.
    public var database: any AddonDatabase { SQLiteAddonDatabase(connection: self) }
}
