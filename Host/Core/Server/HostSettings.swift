/// The host's settings, from the environment.
public struct HostSettings: Sendable {
    /// `BERTH_HOME`: the home folder (default `.`).
    public var home: String
    /// `BERTH_HOST`: the address to listen on (default `127.0.0.1`).
    public var host: String
    /// `BERTH_PORT`: the port (default 8080).
    public var port: Int
    /// `BERTH_DATABASE_URL`: unset (or `sqlite:`) for SQLite in the home, `postgres://…` or
    /// `postgresql://…` for PostgreSQL.
    public var databaseURL: String?
    /// `BERTH_DATABASE_POOL_SIZE`: PostgreSQL connections per addon for its queries (default 4).
    public var databasePoolSize: Int
    /// `BERTH_DATABASE_STATEMENT_TIMEOUT` (default `BERTH_HANDLER_TIMEOUT`, else 30),
    /// `BERTH_DATABASE_MIGRATION_TIMEOUT` (300): seconds one call of an addon's database, one
    /// migration script, may run on PostgreSQL.
    public var databaseStatementTimeout: Double
    public var databaseMigrationTimeout: Double
    /// `BERTH_DATABASE_ADDON_CONNECTIONS`: the most PostgreSQL sessions of one addon, every host and
    /// worker together (default 32).
    public var databaseAddonConnections: Int
    /// `BERTH_DATABASE_MAX_ROWS` (default 100,000), `BERTH_DATABASE_MAX_RESULT_BYTES` (64 MiB): the
    /// largest result of one PostgreSQL query of an addon.
    public var databaseMaxRows: Int
    public var databaseMaxResultBytes: Int
    /// `BERTH_CLUSTER`: `1` to share the installed set with every host on the same PostgreSQL
    /// database (default off).
    public var cluster: Bool
    /// `BERTH_NODE_ID`: this host's name in the cluster (default: generated once and kept in the home).
    public var nodeID: String?
    /// `BERTH_NODE_URL`: where other hosts and operators reach this one (default
    /// `http://BERTH_HOST:port`).
    public var nodeURL: String?
    /// `BERTH_CLUSTER_RECONCILE_SECONDS`: how often a node reconciles without being notified
    /// (default 5).
    public var reconcileInterval: Int
    /// `BERTH_CLUSTER_LOCK_TIMEOUT`: seconds an admin change waits for another node's change to the
    /// same addon before answering `503 cluster_busy` (default 30).
    public var clusterLockTimeout: Int
    /// `BERTH_ADMIN_TOKEN`: unset to generate one at first start.
    public var adminToken: String?
    /// `BERTH_TRUSTED_KEYS`: extra public key files, comma-separated.
    public var trustedKeyFiles: [String]
    /// `BERTH_THREADS`: HTTP worker threads (default: the number of cores).
    public var threads: Int?
    /// `BERTH_MAX_PACKAGE_BYTES`: largest package upload (default 256 MiB).
    public var maxPackageBytes: Int
    /// `BERTH_MIN_FREE_MB`: free space (MiB) an upload must leave on the home's disk (default 512).
    public var minimumFreeBytes: Int
    /// `BERTH_MAX_CONNECTIONS`: connections open at once on the whole host, all workers together
    /// (default 1024; one more is answered 503).
    public var maxConnections: Int
    /// `BERTH_MAX_CONNECTIONS_PER_ADDRESS`: connections open at once from one IP address on the whole
    /// host (default 256; 0: no limit, e.g. behind a reverse proxy that limits per client itself).
    public var maxConnectionsPerAddress: Int
    /// `BERTH_HEAD_TIMEOUT`: seconds a new connection has to send its first request head whole
    /// (default 10, decimals allowed).
    public var headTimeoutSeconds: Double
    /// `BERTH_MAX_QUERY_PARAMETERS`: query parameters a request may carry (default 256).
    public var maxQueryParameters: Int
    /// `BERTH_MAX_CONCURRENT_UPLOADS`: package uploads received at once on the whole host (default 4).
    public var maxConcurrentUploads: Int

    /// Reads the settings from `environment`, naming the variable when a value is malformed.
    /// The environment the settings were read from, secrets included (they are no longer in the
    /// process's own environment), for the settings of other layers (identity, metrics).
    public let environment: [String: String]

    public init(environment: [String: String]) throws {
        self.environment = environment
        home = environment["BERTH_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        host = environment["BERTH_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = try Self.integer(environment, "BERTH_PORT", default: 8080, range: 0 ... 65535)
        databaseURL = environment["BERTH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        adminToken = environment["BERTH_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        trustedKeyFiles = (environment["BERTH_TRUSTED_KEYS"] ?? "").split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
        threads = environment["BERTH_THREADS"] == nil ? nil : try Self.integer(environment, "BERTH_THREADS", default: 1, range: 1 ... 1024)
        maxPackageBytes = try Self.integer(environment, "BERTH_MAX_PACKAGE_BYTES", default: 256 << 20, range: 1024 ... (4 << 30))
        minimumFreeBytes = try Self.integer(environment, "BERTH_MIN_FREE_MB", default: 512, range: 0 ... (1 << 40)) << 20
        maxConnections = try Self.integer(environment, "BERTH_MAX_CONNECTIONS", default: 1024, range: 1 ... 1_000_000)
        maxConnectionsPerAddress = try Self.integer(environment, "BERTH_MAX_CONNECTIONS_PER_ADDRESS", default: 256, range: 0 ... 1_000_000)
        maxQueryParameters = try Self.integer(environment, "BERTH_MAX_QUERY_PARAMETERS", default: 256, range: 1 ... 400)
        headTimeoutSeconds = 10
        if let text = environment["BERTH_HEAD_TIMEOUT"], !text.isEmpty {
            guard let seconds = Double(text), (0.05 ... 3600).contains(seconds) else {
                throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_HEAD_TIMEOUT=\(text) is not a number of seconds in 0.05…3600")
            }
            headTimeoutSeconds = seconds
        }
        maxConcurrentUploads = try Self.integer(environment, "BERTH_MAX_CONCURRENT_UPLOADS", default: 4, range: 1 ... 1024)
        databasePoolSize = try Self.integer(environment, "BERTH_DATABASE_POOL_SIZE", default: 4, range: 1 ... 64)
        let handlerTimeout = try Self.seconds(environment, "BERTH_HANDLER_TIMEOUT", default: 30)
        databaseStatementTimeout = try Self.seconds(environment, "BERTH_DATABASE_STATEMENT_TIMEOUT", default: handlerTimeout)
        databaseMigrationTimeout = try Self.seconds(environment, "BERTH_DATABASE_MIGRATION_TIMEOUT", default: 300)
        databaseAddonConnections = try Self.integer(environment, "BERTH_DATABASE_ADDON_CONNECTIONS", default: 32, range: 2 ... 10_000)
        databaseMaxRows = try Self.integer(environment, "BERTH_DATABASE_MAX_ROWS", default: 100_000, range: 1 ... 1 << 40)
        databaseMaxResultBytes = try Self.integer(environment, "BERTH_DATABASE_MAX_RESULT_BYTES", default: 64 << 20, range: 1024 ... 1 << 40)
        reconcileInterval = try Self.integer(environment, "BERTH_CLUSTER_RECONCILE_SECONDS", default: 5, range: 1 ... 3600)
        clusterLockTimeout = try Self.integer(environment, "BERTH_CLUSTER_LOCK_TIMEOUT", default: 30, range: 1 ... 3600)
        nodeID = environment["BERTH_NODE_ID"].flatMap { $0.isEmpty ? nil : $0 }
        nodeURL = environment["BERTH_NODE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        switch environment["BERTH_CLUSTER"]?.lowercased() ?? "" {
        case "", "0", "false", "no", "off": cluster = false
        case "1", "true", "yes", "on": cluster = true
        case let other: throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_CLUSTER=\(other) must be 1 or 0")
        }
        if let url = databaseURL, databaseKind == nil {
            let scheme = url.prefix { $0 != ":" }
            throw BerthError(status: 500, code: "unsupported_database", message: "BERTH_DATABASE_URL has scheme '\(scheme.prefix(20))': use postgres://user:password@host:port/database for PostgreSQL, or leave it unset for SQLite in the home")
        }
        if let nodeID, !Self.isValidNodeID(nodeID) {
            throw BerthError(status: 500, code: "invalid_setting", message: "BERTH_NODE_ID=\(nodeID.prefix(80)) must be 1–64 characters of a–z, A–Z, 0–9, '.', '_', ':' and '-'")
        }
        if cluster, databaseKind != .postgres {
            throw BerthError(status: 500, code: "cluster_needs_postgres", message: "BERTH_CLUSTER=1 needs BERTH_DATABASE_URL=postgres://…: the nodes of a cluster share their installed set through PostgreSQL")
        }
    }

    /// The databases Berth keeps addon data in.
    public enum DatabaseKind: String, Sendable {
        /// One SQLite file per addon in the home.
        case sqlite
        /// One schema and role per addon in a PostgreSQL database.
        case postgres
    }

    /// The database `BERTH_DATABASE_URL` selects, or nil for a URL of an unknown scheme.
    public var databaseKind: DatabaseKind? {
        guard let url = databaseURL else { return .sqlite }
        if url.hasPrefix("sqlite:") { return .sqlite }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres }
        return nil
    }

    private static func isValidNodeID(_ id: String) -> Bool {
        (1 ... 64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-")].contains(byte)
        }
    }

    private static func seconds(_ environment: [String: String], _ name: String, default value: Double) throws -> Double {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Double(text), number >= 0.05, number <= 86400 else {
            throw BerthError(status: 500, code: "invalid_setting", message: "\(name)=\(text) is not a number of seconds in 0.05…86400")
        }
        return number
    }

    private static func integer(_ environment: [String: String], _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw BerthError(status: 500, code: "invalid_setting", message: "\(name)=\(text) is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
