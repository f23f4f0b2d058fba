import BerthTestSupport
import Foundation
import Testing

/// The up → down → up check of a package's migrations is bounded in size on PostgreSQL too
/// (`BERTH_SCRATCH_MAX_MB`): a migration that grows without end is cancelled past the bound with
/// a clear error, long before its time bound, and leaves no scratch schema or role behind.
@Suite(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
struct PostgresScratchBoundTests {
    /// Inserts kilobyte rows for ever, in one uncommitted transaction.
    static let growing = (
        id: "0001_growing",
        up: "CREATE TABLE big (b text); DO $$ BEGIN LOOP INSERT INTO big SELECT repeat(md5(random()::text), 32) FROM generate_series(1, 1000); END LOOP; END $$;",
        down: "DROP TABLE big;"
    )
    /// About 2 MB of rows: well inside an 8 MB bound.
    static let modest = (
        id: "0001_modest",
        up: "CREATE TABLE rows (b text); INSERT INTO rows SELECT repeat(md5(x::text), 32) FROM generate_series(1, 2000) x;",
        down: "DROP TABLE rows;"
    )

    /// Scratch schemas in the test's database, and scratch roles holding anything in it.
    func scratchLeftovers(_ database: PostgresTestDatabase) throws -> [String] {
        try database.query("""
            SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname LIKE 'addon\\_scratch\\_%'
            UNION ALL SELECT 'role ' || r.rolname FROM pg_roles r JOIN pg_shdepend s ON s.refobjid = r.oid
                WHERE r.rolname LIKE 'berth\\_%scratch\\_%' AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
    }

    @Test func aMigrationCheckThatGrowsWithoutEndIsCancelledAtTheScratchSizeBound() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        // The time bound is far off: what stops the check must be its size.
        let host = try IntegrationHost(environment: ["BERTH_DATABASE_URL": database.url, "BERTH_SCRATCH_MAX_MB": "8", "BERTH_MIGRATION_TIMEOUT": "300"])
        defer { host.close() }
        let id = database.id("growing")
        #expect(try host.upload(try host.packages.fixture(id: id, version: "1.0.0", migrations: [Self.growing], dialects: ["postgres"])).status == 201)
        let started = ContinuousClock.now
        let installed = try host.install(id)
        #expect(installed.status == 422, "\(installed.text)")
        #expect(installed.errorCode == "migration_too_large", "\(installed.text)")
        #expect(installed.errorMessage?.contains(id) == true, "\(installed.text)")
        #expect(installed.errorMessage?.contains("BERTH_SCRATCH_MAX_MB=8") == true, "\(installed.text)")
        #expect(ContinuousClock.now - started < .seconds(300))
        #expect(try scratchLeftovers(database) == [])
        #expect(try database.traces(of: id) == [])

        // The home's lock is free and the bound does not refuse a migration inside it.
        let modest = database.id("modest")
        let next = try host.uploadAndInstall(try host.packages.fixture(id: modest, version: "1.0.0", migrations: [Self.modest], dialects: ["postgres"]), id: modest)
        #expect(next.status == 201, "\(next.text)")
        #expect(try database.query("SELECT count(*) FROM addon_\(modest).rows") == ["2000"])
        #expect(try scratchLeftovers(database) == [])
    }
}
