import BerthStorage
import Foundation
import PluginAPI

/// The state the nodes of a cluster share, in schema `berth_cluster` of their PostgreSQL database:
///
/// - `desired(id, version, state, config, generation, …)`: the installed set every node converges on;
/// - `packages(id, version, sha256, archive)`: the signed archives, so a node can install what it
///   never received an upload of;
/// - `nodes(node_id, url, started_at, heartbeat_at, stopped_at, generation)`: who is out there;
/// - `node_addons(node_id, id, version, state, error)`: what each node actually runs;
/// - `intents(id, node_id, operation, keep_data)`: changes started and not finished (see
///   ``ClusterIntent``);
/// - `locks(id)`: one row per addon, locked by the node changing it (see ``ClusterLock``).
///
/// Every change to `desired` takes a number from the `generation` sequence and sends
/// `NOTIFY berth_desired` in the same transaction, so nodes wake only once it is visible. The
/// schema is owned by the admin URL's superuser and granted to no one: an addon's role cannot read it.
final class ClusterStore: Sendable {
    /// The channel `desired` changes are announced on; the payload is the addon id.
    static let channel = "berth_desired"

    private let pool: PostgresPool

    /// A store reaching the database of `url` with at most two connections, opened on demand.
    init(url: String) {
        pool = PostgresPool(size: 2) { try PostgresConnection(url: url) }
    }

    /// Closes the connections.
    func close() {
        pool.close()
    }

    /// Creates the schema and its tables if they are missing; safe when several nodes start at once.
    func prepare() async throws {
        try await pool.withConnection { try $0.transaction(Self.schema) }
    }

    // MARK: - Desired set

    /// The last generation handed out; 0 before the first change.
    func generation() async throws -> Int64 {
        try await pool.withConnection { connection in
            try connection.query("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS generation FROM berth_cluster.generation").first?["generation"]?.integer ?? 0
        }
    }

    /// The desired set, by id.
    func desired() async throws -> [String: DesiredAddon] {
        let rows = try await pool.withConnection { try $0.query(Self.desiredQuery) }
        return Dictionary(uniqueKeysWithValues: try rows.map(Self.desiredAddon).map { ($0.id, $0) })
    }

    /// The desired row of `id`, if the cluster should have it installed.
    func desired(_ id: String) async throws -> DesiredAddon? {
        let rows = try await pool.withConnection { try $0.query(Self.desiredQuery + " WHERE id = $1", [.text(id)]) }
        return try rows.first.map(Self.desiredAddon)
    }

    /// Records `id` at `version` as desired, with `package` stored beside it (nil when the store
    /// already holds that version with digest `sha256`), in one transaction that also takes the next
    /// generation and notifies every node.
    /// - Returns: the generation.
    @discardableResult
    func publish(_ id: String, version: String, state: String, configuration: [String: JSONValue], sha256: String, package: SharedPackage?, by node: String) async throws -> Int64 {
        let config = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        return try await transaction { connection in
            if let package { try Self.insert(package, by: node, on: connection) }
            let stored = try connection.query("SELECT sha256 FROM berth_cluster.packages WHERE id = $1 AND version = $2", [.text(id), .text(version)]).first?["sha256"]?.text
            guard stored == sha256 else {
                throw BerthError.conflict("package_version_exists", "the cluster holds \(id) \(version) with different contents (sha256 \(stored?.prefix(12) ?? "none")…, this node's is \(sha256.prefix(12))…); publish a new version instead")
            }
            let generation = try connection.query("""
                INSERT INTO berth_cluster.desired (id, version, state, config, generation, changed_by)
                VALUES ($1, $2, $3, $4, nextval('berth_cluster.generation'), $5)
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, config = excluded.config,
                    generation = excluded.generation, changed_by = excluded.changed_by, changed_at = now()
                RETURNING generation
                """, [.text(id), .text(version), .text(state), .text(config), .text(node)]).first?["generation"]?.integer ?? 0
            try connection.execute("DELETE FROM berth_cluster.intents WHERE id = $1", [.text(id)])
            try connection.execute("SELECT pg_notify($1, $2)", [.text(Self.channel), .text(id)])
            return generation
        }
    }

    /// Removes `ids` from the desired set, recording the uninstall as `node`'s intent, and notifies
    /// every node.
    func withdraw(_ ids: [String], keepData: Bool, by node: String) async throws {
        try await transaction { connection in
            for id in ids {
                try connection.execute("DELETE FROM berth_cluster.desired WHERE id = $1", [.text(id)])
                try connection.execute("SELECT nextval('berth_cluster.generation')")
                try Self.insertIntent(ClusterIntent(id: id, node: node, operation: .uninstall, keepData: keepData), on: connection)
                try connection.execute("SELECT pg_notify($1, $2)", [.text(Self.channel), .text(id)])
            }
        }
    }

    /// Puts rows removed by ``withdraw(_:)`` back (an uninstall that failed), notifying every node.
    func restore(_ rows: [DesiredAddon], by node: String) async throws {
        for row in rows {
            guard let sha256 = try await packageDigest(id: row.id, version: row.version) else { continue }
            try await publish(row.id, version: row.version, state: row.state, configuration: row.configuration, sha256: sha256, package: nil, by: node)
        }
    }

    // MARK: - Intents

    /// Records that `intent.node` starts `intent.operation` on `intent.id`.
    func begin(_ intent: ClusterIntent) async throws {
        try await pool.withConnection { try Self.insertIntent(intent, on: $0) }
    }

    /// Removes the intents of `ids`: their changes finished, or were undone.
    func endIntents(_ ids: [String]) async throws {
        try await pool.withConnection { connection in
            for id in ids { try connection.execute("DELETE FROM berth_cluster.intents WHERE id = $1", [.text(id)]) }
        }
    }

    /// Every intent recorded.
    func intents() async throws -> [ClusterIntent] {
        try await pool.withConnection { try $0.query("SELECT id, node_id, operation, keep_data FROM berth_cluster.intents ORDER BY id") }
            .compactMap { row in
                guard let id = row["id"]?.text, let node = row["node_id"]?.text, let operation = row["operation"]?.text.flatMap(ClusterIntent.Operation.init) else { return nil }
                return ClusterIntent(id: id, node: node, operation: operation, keepData: row["keep_data"]?.integer == 1)
            }
    }

    // MARK: - Packages

    /// Stores an archive unless that version is stored already; refuses different contents under
    /// a stored version.
    func store(_ package: SharedPackage, by node: String) async throws {
        try await transaction { try Self.insert(package, by: node, on: $0) }
    }

    /// The stored versions of `id`, with their digests.
    func packages(of id: String) async throws -> [(version: String, sha256: String)] {
        try await pool.withConnection { connection in
            try connection.query("SELECT version, sha256 FROM berth_cluster.packages WHERE id = $1 ORDER BY version", [.text(id)])
        }.map { ($0["version"]?.text ?? "", $0["sha256"]?.text ?? "") }
    }

    /// The digest of a stored version, if it is stored.
    func packageDigest(id: String, version: String) async throws -> String? {
        try await pool.withConnection { connection in
            try connection.query("SELECT sha256 FROM berth_cluster.packages WHERE id = $1 AND version = $2", [.text(id), .text(version)]).first?["sha256"]?.text
        }
    }

    /// A stored archive.
    func package(id: String, version: String) async throws -> SharedPackage? {
        let row = try await pool.withConnection { connection in
            try connection.query("SELECT sha256, archive FROM berth_cluster.packages WHERE id = $1 AND version = $2", [.text(id), .text(version)]).first
        }
        guard let row, let sha256 = row["sha256"]?.text, case .blob(let archive)? = row["archive"] else { return nil }
        return SharedPackage(id: id, version: version, sha256: sha256, archive: archive)
    }

    // MARK: - Nodes

    /// Records the node as started now (again, after a restart).
    func register(node: String, url: String) async throws {
        _ = try await pool.withConnection { connection in
            try connection.execute("""
                INSERT INTO berth_cluster.nodes (node_id, url, started_at, heartbeat_at) VALUES ($1, $2, now(), now())
                ON CONFLICT (node_id) DO UPDATE SET url = excluded.url, started_at = now(), heartbeat_at = now(), stopped_at = NULL
                """, [.text(node), .text(url)])
        }
    }

    /// Records that the node is alive.
    func heartbeat(node: String) async throws {
        _ = try await pool.withConnection { try $0.execute("UPDATE berth_cluster.nodes SET heartbeat_at = now() WHERE node_id = $1", [.text(node)]) }
    }

    /// Records a clean stop; the node's last report stays visible.
    func markStopped(node: String) async throws {
        _ = try await pool.withConnection { try $0.execute("UPDATE berth_cluster.nodes SET stopped_at = now() WHERE node_id = $1", [.text(node)]) }
    }

    /// Replaces what the node reports running, and the generation it has converged on.
    func report(node: String, addons: [NodeAddonState], generation: Int64) async throws {
        try await transaction { connection in
            try connection.execute("UPDATE berth_cluster.nodes SET heartbeat_at = now(), generation = $2 WHERE node_id = $1", [.text(node), .integer(generation)])
            try connection.execute("DELETE FROM berth_cluster.node_addons WHERE node_id = $1", [.text(node)])
            for addon in addons {
                try connection.execute(
                    "INSERT INTO berth_cluster.node_addons (node_id, id, version, state, error) VALUES ($1, $2, $3, $4, $5)",
                    [.text(node), .text(addon.id), .text(addon.version), .text(addon.state), addon.error.map(SQLValue.text) ?? .null]
                )
            }
        }
    }

    /// Live nodes other than `node` that still have `id` installed: their last heartbeat is less
    /// than `aliveWithin` old and they did not stop.
    func holders(of id: String, except node: String, aliveWithin: Duration) async throws -> [String] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT a.node_id FROM berth_cluster.node_addons a JOIN berth_cluster.nodes n ON n.node_id = a.node_id
                WHERE a.id = $1 AND a.node_id <> $2 AND a.state <> $3 AND n.stopped_at IS NULL
                  AND n.heartbeat_at > now() - make_interval(secs => $4) ORDER BY 1
                """, [.text(id), .text(node), .text(NodeAddonState.State.installFailed.rawValue), .integer(aliveWithin.components.seconds)])
        }.compactMap { $0["node_id"]?.text }
    }

    /// Every node with what it reports, for `GET /api/v1/cluster`.
    func nodes(aliveWithin: Duration) async throws -> [ClusterReport.Node] {
        let (nodes, addons) = try await pool.withConnection { connection in
            let nodes = try connection.query("""
                SELECT node_id, url, \(Self.timestamp("started_at")) AS started_at, \(Self.timestamp("heartbeat_at")) AS heartbeat_at,
                       \(Self.timestamp("stopped_at")) AS stopped_at, generation,
                       (stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => $1)) AS alive
                FROM berth_cluster.nodes ORDER BY node_id
                """, [.integer(aliveWithin.components.seconds)])
            let addons = try connection.query("SELECT node_id, id, version, state, error FROM berth_cluster.node_addons ORDER BY node_id, id")
            return (nodes, addons)
        }
        return nodes.map { row in
            let id = row["node_id"]?.text ?? ""
            return ClusterReport.Node(
                id: id, url: row["url"]?.text ?? "", alive: row["alive"]?.integer == 1,
                startedAt: row["started_at"]?.text ?? "", heartbeatAt: row["heartbeat_at"]?.text ?? "", stoppedAt: row["stopped_at"]?.text,
                generation: row["generation"]?.integer ?? 0,
                addons: addons.filter { $0["node_id"]?.text == id }.map { addon in
                    NodeAddonState(id: addon["id"]?.text ?? "", version: addon["version"]?.text ?? "", state: addon["state"]?.text ?? "", error: addon["error"]?.text)
                }
            )
        }
    }

    // MARK: - Helpers

    /// Runs `body` in one transaction on one connection.
    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.transaction(body)
    }

    private static func insert(_ package: SharedPackage, by node: String, on connection: PostgresConnection) throws {
        try connection.execute(
            "INSERT INTO berth_cluster.packages (id, version, sha256, archive, added_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id, version) DO NOTHING",
            [.text(package.id), .text(package.version), .text(package.sha256), .blob(package.archive), .text(node)]
        )
        let stored = try connection.query("SELECT sha256 FROM berth_cluster.packages WHERE id = $1 AND version = $2", [.text(package.id), .text(package.version)]).first?["sha256"]?.text
        guard stored == package.sha256 else {
            throw BerthError.conflict("package_version_exists", "the cluster already holds \(package.id) \(package.version) with different contents (sha256 \(stored?.prefix(12) ?? "none")…); publish a new version instead")
        }
    }

    private static func insertIntent(_ intent: ClusterIntent, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO berth_cluster.intents (id, node_id, operation, keep_data) VALUES ($1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET node_id = excluded.node_id, operation = excluded.operation, keep_data = excluded.keep_data, started_at = now()
            """, [.text(intent.id), .text(intent.node), .text(intent.operation.rawValue), .text(intent.keepData ? "true" : "false")])
    }

    private static func desiredAddon(_ row: SQLRow) throws -> DesiredAddon {
        let configuration = try JSONDecoder().decode([String: JSONValue].self, from: Data((row["config"]?.text ?? "{}").utf8))
        return DesiredAddon(
            id: row["id"]?.text ?? "", version: row["version"]?.text ?? "", state: row["state"]?.text ?? "active",
            configuration: configuration, generation: row["generation"]?.integer ?? 0,
            changedBy: row["changed_by"]?.text ?? "", changedAt: row["changed_at"]?.text ?? ""
        )
    }

    private static func timestamp(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    private static let desiredQuery = "SELECT id, version, state, config, generation, changed_by, \(timestamp("changed_at")) AS changed_at FROM berth_cluster.desired"

    /// The schema, created under a table lock: `CREATE … IF NOT EXISTS` alone still fails when two
    /// nodes run it at the same moment. The lock is on the storage secret's table, which the storage
    /// backend created before (no advisory lock: any addon's role could take that one first and hold
    /// every node's start; no addon role may lock a table it has no privilege on).
    private static let schema = """
        LOCK TABLE public.berth_storage_secret IN SHARE ROW EXCLUSIVE MODE;
        CREATE SCHEMA IF NOT EXISTS berth_cluster;
        CREATE TABLE IF NOT EXISTS berth_cluster.locks (id text PRIMARY KEY);
        CREATE SEQUENCE IF NOT EXISTS berth_cluster.generation;
        CREATE TABLE IF NOT EXISTS berth_cluster.desired (
            id text PRIMARY KEY,
            version text NOT NULL,
            state text NOT NULL DEFAULT 'active',
            config text NOT NULL DEFAULT '{}',
            generation bigint NOT NULL,
            changed_by text NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS berth_cluster.packages (
            id text NOT NULL,
            version text NOT NULL,
            sha256 text NOT NULL,
            archive bytea NOT NULL,
            added_by text NOT NULL,
            added_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (id, version)
        );
        CREATE TABLE IF NOT EXISTS berth_cluster.nodes (
            node_id text PRIMARY KEY,
            url text NOT NULL,
            started_at timestamptz NOT NULL,
            heartbeat_at timestamptz NOT NULL,
            stopped_at timestamptz,
            generation bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS berth_cluster.intents (
            id text PRIMARY KEY,
            node_id text NOT NULL,
            operation text NOT NULL,
            keep_data boolean NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS berth_cluster.node_addons (
            node_id text NOT NULL REFERENCES berth_cluster.nodes ON DELETE CASCADE,
            id text NOT NULL,
            version text NOT NULL,
            state text NOT NULL,
            error text,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (node_id, id)
        )
        """
}
