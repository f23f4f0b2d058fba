import BerthStorage
import Foundation
import Testing

/// The PostgreSQL server the tests use: `BERTH_TEST_POSTGRES_URL`, as exported by
/// `tools/scripts/with-postgres.sh`.
///
/// Without it the suites are skipped with a message, unless `BERTH_REQUIRE_POSTGRES=1`: then they
/// run and fail, so `make test` cannot pass without having tested PostgreSQL.
enum PostgresTestServer {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether the suites run: a server is configured, or one is required.
    static let shouldRun = environment["BERTH_TEST_POSTGRES_URL"]?.isEmpty == false || environment["BERTH_REQUIRE_POSTGRES"] == "1"

    /// Shown when the suites are skipped.
    static let skipMessage: Comment = "BERTH_TEST_POSTGRES_URL is unset: PostgreSQL tests skipped (run them with tools/scripts/with-postgres.sh swift test)"

    struct Missing: Error, CustomStringConvertible {
        var description: String { "BERTH_REQUIRE_POSTGRES=1 but BERTH_TEST_POSTGRES_URL is unset: start the tests with tools/scripts/with-postgres.sh" }
    }

    /// The server's URL (a superuser's); throws when it is required and missing.
    static func url() throws -> String {
        guard let url = environment["BERTH_TEST_POSTGRES_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    /// A fresh addon id, so tests running in parallel never share a schema or a role.
    static func uniqueID(_ label: String) -> String {
        "\(label)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A backend on the test server, with a small pool per addon.
    static func backend(poolSize: Int = 4) throws -> PostgresBackend {
        try PostgresBackend(url: url(), poolSize: poolSize)
    }

    /// A plain connection as the server's superuser, to look at the catalogs behind the backend.
    static func admin() throws -> PostgresConnection {
        try PostgresConnection(url: url())
    }
}
