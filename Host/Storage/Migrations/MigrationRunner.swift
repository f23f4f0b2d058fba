/// Applies and reverts an addon's migrations, each in its own transaction.
///
/// The runner works on anything that can run a script atomically, so the SQLite and PostgreSQL
/// backends share it.
public struct MigrationRunner: Sendable {
    /// The database the migrations run in.
    public let database: any MigrationTarget

    /// Creates a runner for `database`.
    public init(database: any MigrationTarget) {
        self.database = database
    }

    /// Checks that migration ids are strictly increasing.
    public static func checkOrder(_ migrations: [Migration]) throws {
        for (previous, next) in zip(migrations, migrations.dropFirst()) where !(previous.id < next.id) {
            throw MigrationError.outOfOrder(next.id, after: previous.id)
        }
    }

    /// Applies `migrations` in order. If one fails, the ones applied by this call are reverted in
    /// reverse order, and the error names the failing migration.
    /// - Returns: the ids applied.
    @discardableResult
    public func applyAll(_ migrations: [Migration]) throws -> [String] {
        try Self.checkOrder(migrations)
        var applied: [Migration] = []
        for migration in migrations {
            do {
                try database.runAtomically(migration.up)
                applied.append(migration)
            } catch {
                _ = try? revertAll(applied)
                throw MigrationError.up(migration.id, cause: error)
            }
        }
        return applied.map(\.id)
    }

    /// Reverts `migrations` (given in applied order) from the last to the first.
    /// - Returns: the ids reverted.
    @discardableResult
    public func revertAll(_ migrations: [Migration]) throws -> [String] {
        var reverted: [String] = []
        for migration in migrations.reversed() {
            do {
                try database.runAtomically(migration.down)
            } catch {
                throw MigrationError.down(migration.id, cause: error)
            }
            reverted.append(migration.id)
        }
        return reverted
    }
}

/// A database the migration runner can use.
public protocol MigrationTarget: Sendable {
    /// Runs `script` in one transaction.
    func runAtomically(_ script: String) throws

    /// The user objects left in the addon's namespace, for residue audits.
    func schemaObjects() throws -> [String]
}

extension SQLiteConnection: MigrationTarget {
    /// Runs `script` in one transaction.
    public func runAtomically(_ script: String) throws {
        try transaction(script)
    }
}
