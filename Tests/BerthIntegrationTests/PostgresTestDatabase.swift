import BerthTestSupport
import Foundation
import Testing

/// A database of its own on the test server (`BERTH_TEST_POSTGRES_URL`, exported by
/// `tools/scripts/with-postgres.sh`), created for one test and dropped after it, so tests run in
/// parallel. Addon ids made with ``id(_:)`` carry the database's token: roles are global to the
/// server, and two tests must never share one.
///
/// Without a server the suites are skipped, unless `BERTH_REQUIRE_POSTGRES=1`: then they run and
/// fail, so `make test` cannot pass without having tested PostgreSQL.
final class PostgresTestDatabase: Sendable {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether the suites run: a server is configured, or one is required.
    static let shouldRun = environment["BERTH_TEST_POSTGRES_URL"]?.isEmpty == false || environment["BERTH_REQUIRE_POSTGRES"] == "1"

    /// Shown when the suites are skipped.
    static let skipMessage: Comment = "BERTH_TEST_POSTGRES_URL is unset: PostgreSQL integration tests skipped (run them with tools/scripts/with-postgres.sh)"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "BERTH_REQUIRE_POSTGRES=1 but BERTH_TEST_POSTGRES_URL is unset: start the tests with tools/scripts/with-postgres.sh" }
    }

    /// The server's URL, a superuser's, on its default database.
    let serverURL: String
    /// Random lowercase hex shared by the database's name and the ids of ``id(_:)``.
    let token: String
    /// `t_<token>`.
    var name: String { "t_" + token }
    /// The URL of this database, as the server's superuser: what `BERTH_DATABASE_URL` gets.
    let url: String

    /// Creates a fresh, empty database.
    init() throws {
        guard let server = Self.environment["BERTH_TEST_POSTGRES_URL"], !server.isEmpty else { throw Missing() }
        serverURL = server
        token = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        url = Self.replacingDatabase(of: server, with: "t_" + token)
        try Self.psql(server, "CREATE DATABASE \(name)")
    }

    /// An addon id unique to this database: `<label>_<token>`.
    func id(_ label: String) -> String { "\(label)_\(token)" }

    /// Drops the database (ending any session left on it) and the roles of the ids made by ``id(_:)``.
    func drop() {
        _ = try? Self.psql(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        _ = try? Self.psql(serverURL, """
            DO $$ DECLARE r text; BEGIN
              FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'berth\\_%\\_\(token)' LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
            END $$
            """)
    }

    /// Runs `sql` on this database as the superuser; returns the rows, one line each, columns
    /// separated by `|`.
    @discardableResult
    func query(_ sql: String) throws -> [String] {
        try Self.psql(url, sql).split(separator: "\n").map(String.init)
    }

    /// What the catalogs hold of addon `id`: its schema and what is in it, its two roles. Empty
    /// when it left no trace.
    func traces(of id: String) throws -> [String] {
        try query("""
            SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname = 'addon_\(id)'
            UNION ALL SELECT 'relation ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'addon_\(id)'
            UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname IN ('berth_addon_\(id)', 'berth_login_\(id)')
            UNION ALL SELECT 'object of role ' || pg_get_userbyid(refobjid) FROM pg_shdepend
                WHERE refobjid IN (SELECT oid FROM pg_roles WHERE rolname IN ('berth_addon_\(id)', 'berth_login_\(id)'))
            """)
    }

    /// The ids in addon `id`'s migration ledger, in order.
    func ledger(of id: String) throws -> [String] {
        try query("SELECT id FROM addon_\(id).berth_migrations ORDER BY id")
    }

    /// `url` with its database name replaced by `database`.
    static func replacingDatabase(of url: String, with database: String) -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        guard let scheme = base.range(of: "://"), let slash = base[scheme.upperBound...].firstIndex(of: "/") else {
            return base + "/" + database + query
        }
        return String(base[..<slash]) + "/" + database + query
    }

    /// Runs `psql` on `url` with `sql`, stopping at the first error.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let result = try Command.run(psqlPath, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        guard result.status == 0 else { throw Failure(description: "psql failed (\(result.status)): \(result.output) in: \(sql.prefix(300))") }
        return result.output
    }

    /// The client from the PostgreSQL packages `with-postgres.sh` installs.
    static let psqlPath: String = {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") { return "/usr/bin/psql" }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/psql") {
            return "/usr/lib/postgresql/\(version)/bin/psql"
        }
        return "psql"
    }()
}
