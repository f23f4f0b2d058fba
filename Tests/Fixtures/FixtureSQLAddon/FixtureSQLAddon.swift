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
/// "message": "…"}` when the database refused it.
struct FixtureSQLAddon: Addon {
    let id: String
    let version: String

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
                return try Self.json(["sqlState": Self.sqlState(of: error) ?? "", "message": "\(error)"], status: 422)
            }
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
