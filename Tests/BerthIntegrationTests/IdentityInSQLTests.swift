import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// The caller's identity visible to the addon's SQL during a request: PostgreSQL row-level
/// security on `current_setting('berth.user_id')`, and `berth_user_id()` on SQLite.
struct IdentityInSQLTests {
    static let environment = ["BERTH_AUTH_JWT_SECRET": TestTokens.secret]

    /// A route that runs the request body as SQL, open to optional callers.
    func policy(_ manifest: inout Manifest) {
        manifest.routes = [RoutePolicy(method: "POST", path: "/sql", auth: .optional)]
    }

    func bearer(_ subject: String) -> [String: String] {
        ["Authorization": "Bearer " + TestTokens.hs256(["sub": subject, "tenant": "t-\(subject)"])]
    }

    @Test(.enabled(if: PostgresTestDatabase.shouldRun, PostgresTestDatabase.skipMessage))
    func aRowLevelSecurityPolicyReturnsOnlyTheCallersRowsWhateverTheSQLAsks() throws {
        let database = try PostgresTestDatabase()
        defer { database.drop() }
        var environment = Self.environment
        environment["BERTH_DATABASE_URL"] = database.url
        let host = try IntegrationHost(environment: environment)
        defer { host.close() }
        let id = database.id("rls")
        let migration = (
            id: "0001_notes",
            up: """
            CREATE TABLE notes (owner TEXT NOT NULL, body TEXT NOT NULL);
            INSERT INTO notes VALUES ('ada', 'ada one'), ('ada', 'ada two'), ('grace', 'grace one');
            ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
            ALTER TABLE notes FORCE ROW LEVEL SECURITY;
            CREATE POLICY own_rows ON notes USING (owner = current_setting('berth.user_id', true));
            """,
            down: "DROP TABLE notes;"
        )
        let archive = try host.packages.fixture(id: id, version: "1.0.0", migrations: [migration], dialects: ["postgres"], product: "FixtureSQLAddon", change: policy)
        #expect(try host.uploadAndInstall(archive, id: id).status == 201)
        let client = host.berth.anonymous
        func bodies(_ headers: [String: String], _ sql: String = "SELECT body FROM notes ORDER BY body") throws -> [String] {
            let reply = try client.send("POST", "/api/v1/\(id)/sql", body: Array(sql.utf8), headers: headers)
            #expect(reply.status == 200, "\(reply.text)")
            return (reply.json["rows"] as? [[Any]] ?? []).compactMap { $0.first as? String }
        }
        #expect(try bodies(bearer("ada")) == ["ada one", "ada two"])
        #expect(try bodies(bearer("grace"), "SELECT body FROM notes WHERE true OR owner <> 'grace'") == ["grace one"])
        #expect(try bodies([:]) == [], "an anonymous caller sees no one's rows")
        // The claims are there too, and nothing of ada's request is left on the pooled connection.
        let claims = try client.send("POST", "/api/v1/\(id)/sql", body: Array("SELECT current_setting('berth.claims', true)::json->>'tenant'".utf8), headers: bearer("ada"))
        #expect((claims.json["rows"] as? [[Any]])?.first?.first as? String == "t-ada")
        for _ in 0 ..< 5 { #expect(try bodies([:]) == []) }
    }

    @Test func sqliteQueriesReadTheCallerThroughFunctions() throws {
        let host = try IntegrationHost(environment: Self.environment)
        defer { host.close() }
        let migration = (id: "0001_notes", up: "CREATE TABLE notes (owner TEXT NOT NULL, body TEXT NOT NULL); INSERT INTO notes VALUES ('ada', 'a'), ('grace', 'g');", down: "DROP TABLE notes;")
        let archive = try host.packages.fixture(id: "who", version: "1.0.0", migrations: [migration], product: "FixtureSQLAddon", change: policy)
        #expect(try host.uploadAndInstall(archive, id: "who").status == 201)
        let client = host.berth.anonymous
        let mine = try client.send("POST", "/api/v1/who/sql", body: Array("SELECT body FROM notes WHERE owner = berth_user_id()".utf8), headers: bearer("grace"))
        #expect((mine.json["rows"] as? [[Any]])?.compactMap { $0.first as? String } == ["g"], "\(mine.text)")
        let tenant = try client.send("POST", "/api/v1/who/sql", body: Array("SELECT json_extract(berth_claims(), '$.tenant')".utf8), headers: bearer("grace"))
        #expect((tenant.json["rows"] as? [[Any]])?.first?.first as? String == "t-grace")
        let anonymous = try client.send("POST", "/api/v1/who/sql", body: Array("SELECT berth_user_id() IS NULL".utf8))
        #expect((anonymous.json["rows"] as? [[Any]])?.first?.first as? Int == 1, "\(anonymous.text)")
    }
}
