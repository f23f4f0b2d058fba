import Foundation
import PluginAPI

/// A real SQLite database for an addon's tests, in a file of its own, migrated with the runner the
/// host uses: each migration in one transaction with its ledger row, transaction control refused.
///
/// It behaves as the host's SQLite database does for an addon: `$1`-style parameters, one
/// statement per call (a second one is refused with `multiple_statements`), transaction control
/// refused with `transaction_control`, and ``transaction(isolation:_:)`` on a connection of its
/// own (other connections wait for it), with savepoints when nested.
public final class TestDatabase: AddonDatabase {
    private let file: SQLiteFile
    private let ownsFolder: String?

    /// The database file.
    public var path: String { file.path }

    /// `sqlite`, like the host's default backend.
    public var dialect: String { "sqlite" }

    /// Opens (creating it if needed) the database at `path`; without one, a new file in a
    /// temporary folder that is deleted with this value.
    public init(path: String? = nil) throws {
        if let path {
            file = try SQLiteFile(path: path)
            ownsFolder = nil
        } else {
            let folder = NSTemporaryDirectory() + "berth-test-db-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            file = try SQLiteFile(path: folder + "/addon.sqlite")
            ownsFolder = folder
        }
    }

    deinit {
        if let ownsFolder { try? FileManager.default.removeItem(atPath: ownsFolder) }
    }

    /// Applies the up-migrations of `folder` (`<id>.up.sql` files beside their `<id>.down.sql`,
    /// e.g. the addon's `migrations/sqlite`) in id order, as the host does on install.
    /// - Returns: the ids applied.
    @discardableResult
    public func migrate(from folder: String) throws -> [String] {
        let migrations = try Self.migrations(in: folder)
        let applied = Set(try MigrationRunner(database: file).appliedIDs())
        return try MigrationRunner(database: file).applyAll(migrations.filter { !applied.contains($0.id) })
    }

    /// Reverts the applied migrations of `folder`, last first, as the host does on uninstall.
    /// - Returns: the ids reverted.
    @discardableResult
    public func revertMigrations(from folder: String) throws -> [String] {
        let applied = Set(try MigrationRunner(database: file).appliedIDs())
        return try MigrationRunner(database: file).revertAll(try Self.migrations(in: folder).filter { applied.contains($0.id) })
    }

    /// Checks `folder`'s migrations the way `addonctl pack` does: up, down, up on this database,
    /// refusing downs that leave anything behind.
    public func checkReversible(from folder: String) throws {
        try MigrationRunner(database: file).checkReversible(try Self.migrations(in: folder))
    }

    /// The tables, indexes, views and triggers in the database, as `"<type> <name>"` (the
    /// migration ledger included).
    public func schemaObjects() throws -> [String] {
        try file.schemaObjects()
    }

    /// Runs a statement and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try Self.refuseTransactionControl(sql)
        return try file.run(sql, parameters).changes
    }

    /// Runs a query and returns its rows.
    public func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try Self.refuseTransactionControl(sql)
        return try file.run(sql, parameters).rows
    }

    /// Runs `body` in one transaction on a connection of its own: committed when `body` returns,
    /// rolled back when it throws.
    public func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        let connection = try SQLiteFile(path: file.path)
        try connection.exec("BEGIN IMMEDIATE")
        let transaction = TestTransaction(file: connection)
        do {
            let result = try await body(transaction)
            transaction.finish()
            try connection.exec("COMMIT")
            return result
        } catch {
            transaction.finish()
            try? connection.exec("ROLLBACK")
            throw error
        }
    }

    static func refuseTransactionControl(_ sql: String) throws {
        if MigrationScript(sql).transactionControlStatement != nil { throw DatabaseError.transactionControl(sql) }
    }

    static func migrations(in folder: String) throws -> [Migration] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw TestDatabaseError("\(folder): no such migrations folder")
        }
        return try names.filter { $0.hasSuffix(".up.sql") }.sorted().map { up in
            let id = String(up.dropLast(".up.sql".count))
            func read(_ name: String) throws -> String {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
                    throw TestDatabaseError("\(folder)/\(name): cannot be read (every up-migration needs its down-migration)")
                }
                return String(decoding: data, as: UTF8.self)
            }
            return Migration(id: id, up: try read(up), down: try read(id + ".down.sql"))
        }
    }
}
