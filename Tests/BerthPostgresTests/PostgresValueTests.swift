import BerthStorage
import PluginAPI
import Testing

/// Values through libpq: `$1` parameters in, rows typed from their column types out, on a real server.
@Suite(.enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipMessage))
struct PostgresValueTests {
    /// Every kind, including the edges that have a special spelling on the wire.
    static let samples: [SQLValue] = [
        .null, .integer(0), .integer(42), .integer(Int64.max), .integer(Int64.min),
        .real(1.5), .real(-0.1), .real(1e-300), .real(.infinity),
        .text(""), .text("héllo, 世界 'quoted' \\ back"), .blob([]), .blob([0, 1, 127, 128, 255]),
    ]

    @Test(arguments: [256, 0])
    func everyValueKindRoundTripsThroughDollarParameters(statementCache: Int) throws {
        let connection = try PostgresConnection(url: PostgresTestServer.url(), statementCacheCapacity: statementCache)
        defer { connection.close() }
        try connection.executeScript("CREATE TEMP TABLE t (i bigint, r double precision, s text, b bytea, n text)")
        for sample in Self.samples {
            let row: [SQLValue] = switch sample {
            case .integer: [sample, .null, .null, .null, .null]
            case .real: [.null, sample, .null, .null, .null]
            case .text: [.null, .null, sample, .null, .null]
            case .blob: [.null, .null, .null, sample, .null]
            default: [.null, .null, .null, .null, sample]
            }
            try connection.execute("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", row)
            let back = try #require(try connection.query("SELECT * FROM t").first)
            #expect(back.values == row, "\(sample)")
            #expect(back.columns == ["i", "r", "s", "b", "n"])
            try connection.execute("DELETE FROM t")
        }
    }

    @Test func columnTypesDecideTheKindOfEachValue() throws {
        let connection = try PostgresTestServer.admin()
        defer { connection.close() }
        let row = try #require(try connection.query("""
            SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 1.25::float4 AS d, 2.5::float8 AS e, 10.75::numeric AS f,
                   true AS g, false AS h, '\\x00ff'::bytea AS i, 'x'::varchar AS j, 'y'::text AS k,
                   '2024-02-29'::date AS l, NULL::int AS m
            """).first)
        #expect(row.values == [
            .integer(1), .integer(2), .integer(3), .real(1.25), .real(2.5), .real(10.75),
            .integer(1), .integer(0), .blob([0, 255]), .text("x"), .text("y"), .text("2024-02-29"), .null,
        ])
    }

    @Test func parametersTakeTheirTypeFromTheirContext() throws {
        let connection = try PostgresTestServer.admin()
        defer { connection.close() }
        try connection.executeScript("CREATE TEMP TABLE typed (flag boolean, amount numeric, day date, small int2)")
        try connection.execute("INSERT INTO typed VALUES ($1, $2, $3, $4)", [.integer(1), .integer(7), .text("2024-01-02"), .integer(3)])
        let row = try #require(try connection.query("SELECT * FROM typed WHERE amount = $1 AND flag = $2", [.real(7), .text("true")]).first)
        #expect(row.values == [.integer(1), .real(7), .text("2024-01-02"), .integer(3)])
    }

    @Test func affectedRowsAreCounted() throws {
        let connection = try PostgresTestServer.admin()
        defer { connection.close() }
        try connection.executeScript("CREATE TEMP TABLE counted (n int); INSERT INTO counted SELECT generate_series(1, 5)")
        #expect(try connection.execute("UPDATE counted SET n = n + 1 WHERE n > $1", [.integer(2)]) == 3)
        #expect(try connection.execute("CREATE TEMP TABLE other (x int)") == 0)
    }

    @Test func aServerErrorCarriesPostgresMessageAndSQLState() throws {
        let connection = try PostgresTestServer.admin()
        defer { connection.close() }
        let error = try #require(throws: PostgresError.self) { try connection.query("SELECT * FROM no_such_table WHERE x = $1", [.integer(1)]) }
        #expect(error.sqlState == "42P01")
        #expect(error.conditionName == "undefined_table")
        #expect(error.message.contains("relation \"no_such_table\" does not exist"))
        #expect(error.description.contains("SQLSTATE 42P01"))
        #expect(try connection.query("SELECT 1 AS one").first?["one"] == .integer(1), "the connection is still usable")
    }

    @Test func aPreparedStatementSurvivesTheTableChangingUnderIt() throws {
        let connection = try PostgresTestServer.admin()
        defer { connection.close() }
        try connection.executeScript("CREATE TEMP TABLE changing (a int); INSERT INTO changing VALUES (1)")
        #expect(try connection.query("SELECT * FROM changing").first?.columns == ["a"])
        try connection.executeScript("ALTER TABLE changing ADD COLUMN b text DEFAULT 'new'")
        #expect(try connection.query("SELECT * FROM changing").first?.values == [.integer(1), .text("new")])
    }

    @Test func aBadURLIsAConnectErrorWithoutThePassword() throws {
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(url: "postgres://someone:sekrit@127.0.0.1:1/nothing?connect_timeout=2")
        }
        #expect(error.code == "postgres_connect_failed")
        #expect(!error.message.contains("sekrit"))
    }
}
