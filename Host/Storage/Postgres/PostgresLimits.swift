/// What one addon may take of the PostgreSQL server and of the host through its database; every
/// bound holds whatever SQL the addon sends.
public struct PostgresLimits: Sendable, Hashable {
    /// How long one call of the addon's database may run (`BERTH_DATABASE_STATEMENT_TIMEOUT`,
    /// default the handler timeout, 30 s): the host cancels it then, and the server's own
    /// `statement_timeout`, set again before every call, ends it even when the host is gone.
    public var statementTimeout: Duration

    /// How long one migration script may run (`BERTH_DATABASE_MIGRATION_TIMEOUT`, default 300 s).
    public var migrationTimeout: Duration

    /// The most sessions the addon's login role may have on the server at once, every host and
    /// worker together (`BERTH_DATABASE_ADDON_CONNECTIONS`, default 32).
    public var connectionLimit: Int

    /// The most rows one query may return (`BERTH_DATABASE_MAX_ROWS`, default 100,000).
    public var maxRows: Int

    /// The most bytes of values one query may return (`BERTH_DATABASE_MAX_RESULT_BYTES`, default 64 MiB).
    public var maxResultBytes: Int

    /// The defaults.
    public init(statementTimeout: Duration = .seconds(30), migrationTimeout: Duration = .seconds(300), connectionLimit: Int = 32,
                maxRows: Int = 100_000, maxResultBytes: Int = 64 << 20) {
        self.statementTimeout = statementTimeout
        self.migrationTimeout = migrationTimeout
        self.connectionLimit = connectionLimit
        self.maxRows = maxRows
        self.maxResultBytes = maxResultBytes
    }

    /// `duration` as PostgreSQL's milliseconds (at least 1: 0 would mean no limit).
    static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000))
    }

    /// The session settings of an addon connection: the server-side statement timeout, and a check
    /// every second that the client is still there, so a backend whose worker died ends with it.
    var sessionSettings: String {
        "SET statement_timeout = \(serverStatementTimeout); SET client_connection_check_interval = 1000"
    }

    /// The server's `statement_timeout`, in milliseconds: a second past the host's own deadline,
    /// which normally fires first and says which setting to raise; the server's ends a statement
    /// whose host is gone.
    var serverStatementTimeout: Int { Self.milliseconds(statementTimeout) + 1000 }

    /// Run after every call on an addon connection: the settings back (the addon may have changed
    /// them), its `LISTEN`s and its advisory locks dropped, and the caller's identity emptied
    /// (see `CallerIdentity`), so none outlives the call.
    var resetScript: String {
        sessionSettings + "; UNLISTEN *; SELECT pg_advisory_unlock_all(), set_config('berth.user_id', '', false), set_config('berth.claims', '', false)"
    }
}
