import Foundation

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

    /// Refuses migrations with a statement that controls transactions (see ``MigrationScript``),
    /// before any of them runs.
    public static func checkTransactionControl(_ migrations: [Migration]) throws {
        for migration in migrations {
            for (direction, script) in [("up", migration.up), ("down", migration.down)] {
                if let statement = MigrationScript(script).transactionControlStatement {
                    throw MigrationError.transactionControl(migration.id, direction: direction, statement: statement)
                }
            }
        }
    }

    /// Applies `migrations` in order, each in one transaction with its ledger row. If one fails,
    /// the ones applied by this call are reverted in reverse order, and the error names the
    /// failing migration.
    /// - Returns: the ids applied.
    @discardableResult
    public func applyAll(_ migrations: [Migration]) throws -> [String] {
        try Self.checkOrder(migrations)
        try Self.checkTransactionControl(migrations)
        try ensureLedger()
        var applied: [Migration] = []
        for migration in migrations {
            do {
                try database.runAtomically(migration.up + "\n;\nINSERT INTO \(database.qualifiedLedgerTable) (id) VALUES (\(Self.literal(migration.id)));")
                applied.append(migration)
            } catch {
                _ = try? revertAll(applied)
                throw MigrationError.up(migration.id, cause: error)
            }
        }
        return applied.map(\.id)
    }

    /// Reverts `migrations` (given in applied order) from the last to the first, each in one
    /// transaction with the removal of its ledger row.
    /// - Returns: the ids reverted.
    @discardableResult
    public func revertAll(_ migrations: [Migration]) throws -> [String] {
        try Self.checkTransactionControl(migrations)
        try ensureLedger()
        var reverted: [String] = []
        for migration in migrations.reversed() {
            do {
                try database.runAtomically(migration.down + "\n;\nDELETE FROM \(database.qualifiedLedgerTable) WHERE id = \(Self.literal(migration.id));")
            } catch {
                throw MigrationError.down(migration.id, cause: error)
            }
            reverted.append(migration.id)
        }
        return reverted
    }

    /// The table, inside the addon's own namespace, that records applied migrations. It is written
    /// in the same transaction as each migration, so after a crash it says exactly what applied.
    public static let ledgerTable = "berth_migrations"

    /// Creates the ledger if it does not exist.
    public func ensureLedger() throws {
        try database.runAtomically("CREATE TABLE IF NOT EXISTS \(database.qualifiedLedgerTable) (id TEXT PRIMARY KEY)")
    }

    /// The ids of the applied migrations, sorted.
    public func appliedIDs() throws -> [String] {
        try ensureLedger()
        return try database.firstColumn(of: "SELECT id FROM \(database.qualifiedLedgerTable) ORDER BY id")
    }

    /// The addon's own schema objects: everything but the ledger.
    public func userObjects() throws -> [String] {
        try database.schemaObjects().filter { !$0.hasSuffix(" " + Self.ledgerTable) && !$0.contains(Self.ledgerTable + "_pkey") && !$0.contains("autoindex_" + Self.ledgerTable) }
    }

    /// Runs up → down → up on a scratch namespace and refuses migrations whose downs do not return
    /// the schema to empty, naming what was left.
    public func checkReversible(_ migrations: [Migration]) throws {
        try Self.checkTransactionControl(migrations)
        try applyAll(migrations)
        try revertAll(migrations)
        let left = try userObjects()
        guard left.isEmpty else {
            throw MigrationError.irreversible(left: left)
        }
        try applyAll(migrations)
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// A database the migration runner can use.
public protocol MigrationTarget: Sendable {
    /// Runs `script` in one transaction.
    func runAtomically(_ script: String) throws

    /// The user objects left in the addon's namespace, for residue audits.
    func schemaObjects() throws -> [String]

    /// The first column of every row of `sql`, as text.
    func firstColumn(of sql: String) throws -> [String]

    /// The ledger's name as the runner writes it: qualified with the namespace where the database
    /// has several, so no object a migration creates (a temporary table of the same name, a
    /// changed `search_path`) can stand in for it.
    var qualifiedLedgerTable: String { get }
}

extension MigrationTarget {
    /// ``MigrationRunner/ledgerTable``, unqualified.
    public var qualifiedLedgerTable: String { MigrationRunner.ledgerTable }
}
