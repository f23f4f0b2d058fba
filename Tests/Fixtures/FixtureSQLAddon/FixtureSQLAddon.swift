import Foundation
import FixtureIdentity
import PluginAPI

/// A hostile addon for isolation tests: `POST <prefix>/sql` runs the request body as SQL through
/// the addon's own database handle and answers what the database said, so a test can aim any
/// statement at another addon's schema or the host's tables through the real host.
///
/// Its id and version come from the `manifest.json` installed beside its library, like
/// `FixtureManifestAddon`'s, so one build serves as any number of addons.
///
/// Answers `200 {"rows": [[…], …]}` when the statement ran, and `422 {"sqlState": "42501",
/// "message": "…", "code": "…"}` when the database refused it (`code`: a ``DatabaseError``'s).
///
/// Its transaction routes work on a table `notes (title TEXT NOT NULL)` from the package's
/// migrations: `POST <prefix>/tx/notes` waits `?wait=` milliseconds, then inserts each line of the
/// body in one transaction, holding it open `?hold=` milliseconds before the end, and throws after
/// the inserts when `?fail=1`; `GET <prefix>/tx/notes` answers the titles decoded into a
/// `Decodable` type. Its start waits `startDelayMilliseconds` (configuration), like
/// `FixtureManifestAddon`'s.
struct FixtureSQLAddon: Addon {
    let id: String
    let version: String

    func start(_ context: AddonContext) async throws {
        if let delay = context.configuration.integer("startDelayMilliseconds") {
            try await Task.sleep(for: .milliseconds(delay))
        }
    }

    func routes(_ routes: inout Routes, context: AddonContext) {
        let version = version
        routes.get("/version") { _, _ in .text(version) }
        routes.get("/dialect") { _, context in .text(context.database.dialect) }
        routes.post("/sql") { request, context in
            do {
                let rows = try await context.database.query(request.bodyText, [])
                let values = rows.map { row in row.values.map(Self.json) }
                return try Self.json(["rows": values], status: 200)
            } catch {
                return try Self.json(["sqlState": Self.sqlState(of: error) ?? "", "message": "\(error)", "code": (error as? DatabaseError)?.code ?? ""], status: 422)
            }
        }
        routes.post("/tx/notes") { request, context in
            let titles = request.bodyText.split(separator: "\n").map(String.init)
            let hold = request.queryValue("hold").flatMap(Int.init) ?? 0
            let fail = request.queryValue("fail") == "1"
            if let wait = request.queryValue("wait").flatMap(Int.init), wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
            do {
                let count = try await context.database.transaction { tx in
                    for title in titles {
                        try await tx.execute("INSERT INTO notes (title) VALUES ($1)", [.text(title)])
                    }
                    if hold > 0 { try await Task.sleep(for: .milliseconds(hold)) }
                    if fail { throw HTTPError(status: 409, code: "refused_on_purpose", message: "rolled back after \(titles.count) inserts") }
                    return try await tx.query("SELECT count(*) AS c FROM notes").first?.decode(Int.self) ?? -1
                }
                return try Self.json(["count": count], status: 201)
            } catch let error as DatabaseError {
                return try Self.json(["code": error.code, "message": error.message], status: 422)
            }
        }
        routes.get("/tx/notes") { _, context in
            struct Note: Decodable { let title: String }
            let notes = try await context.database.query(Note.self, "SELECT title FROM notes ORDER BY title")
            return try Self.json(["titles": notes.map(\.title)], status: 200)
        }
    }

    /// The SQLSTATE of a database error, found by reflection: the host's error types are not part
    /// of PluginAPI, but every backend's error carries a `sqlState` field.
    static func sqlState(of error: any Error) -> String? {
        for child in Mirror(reflecting: error).children where child.label == "sqlState" {
            if let state = child.value as? String { return state }
            if let state = child.value as? String?, let state { return state }
        }
        return nil
    }

    static func json(_ value: SQLValue) -> Any {
        switch value {
        case .null: NSNull()
        case .integer(let number): number
        case .real(let number): number
        case .text(let text): text
        case .blob(let bytes): bytes.count
        @unknown default: "\(value)"
        }
    }

    static func json(_ object: [String: Any], status: Int) throws -> Response {
        .json(raw: Array(try JSONSerialization.data(withJSONObject: object)), status: status)
    }

    /// Reads id and version from the manifest installed beside the library.
    static func fromInstalledManifest() -> FixtureSQLAddon {
        let identity = installedIdentity()
        return FixtureSQLAddon(id: identity.id, version: identity.version)
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureSQLAddon.fromInstalledManifest()) }
