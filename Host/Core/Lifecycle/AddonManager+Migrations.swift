import BerthPackages
import BerthStorage
import Foundation

extension AddonManager {
    /// The migrations of this host's dialect, with their scripts read from the install folder.
    func loadMigrations(_ manifest: Manifest, installPath: String) throws -> [Migration] {
        try engine.loadMigrations(manifest, installPath: installPath)
    }

    /// Creates the addon's namespace, kept to itself; its undo closes and drops it.
    func createNamespace(_ id: String, undo: inout UndoStack) throws -> any AddonDataHandle {
        let data: any AddonDataHandle
        do {
            data = try backend.createNamespace(id)
        } catch {
            throw BerthError.internalError("database_unavailable", "cannot create \(home.relative(backend.location(of: id))): \(error)", cause: error)
        }
        undo.push("database") { [backend] in
            data.close()
            _ = try backend.dropNamespace(id)
        }
        return data
    }

    /// Opens the addon's existing namespace (kept data being reused); its undo closes it.
    func openNamespace(_ id: String, undo: inout UndoStack) throws -> any AddonDataHandle {
        let data: any AddonDataHandle
        do {
            data = try backend.openNamespace(id)
        } catch {
            throw BerthError.internalError("database_unavailable", "cannot open \(home.relative(backend.location(of: id))): \(error)", cause: error)
        }
        undo.push("database") { data.close() }
        return data
    }

    /// The migrations still to apply, given the ledger; refuses a ledger holding ids the package
    /// does not know (data written by another addon version that this one cannot reverse).
    func pendingMigrations(_ migrations: [Migration], applied: [String], of manifest: Manifest) throws -> [Migration] {
        let known = Set(migrations.map(\.id))
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw BerthError.unprocessable("unknown_migrations", "the data of \(manifest.id) records migrations \(unknown.joined(separator: ", ")) that \(manifest.id) \(manifest.version) does not ship; install the version that created them, or uninstall without keeping data")
        }
        return migrations.filter { !applied.contains($0.id) }
    }

    /// Applies migrations in order; a failing one is rolled back with every one before it.
    func runMigrations(_ migrations: [Migration], on data: any AddonDataHandle, of id: String) async throws -> [String] {
        do {
            return try await migrating("migrations", addon: id, on: data) { try MigrationRunner(database: data).applyAll(migrations) }
        } catch let error as MigrationError {
            throw BerthError.unprocessable(error.code, error.message, cause: error)
        }
    }
}
