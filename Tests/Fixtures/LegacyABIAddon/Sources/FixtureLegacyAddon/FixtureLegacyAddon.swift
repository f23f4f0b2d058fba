import PluginAPI

/// An addon written and compiled against PluginAPI 1.1.0, using what 1.1.0 offers: synchronous
/// and async routes, path parameters, the database, configuration and the logger.
///
/// `GET /abi` answers `compiled=<the PluginAPI version it was built against>` and
/// `runtime=<the version of the PluginAPI library it runs with>`: the first is emitted into this
/// binary, the second read from the host's `libPluginAPI.so`.
struct FixtureLegacyAddon: Addon {
    let id = "legacy_abi"
    let version = "1.0.0"

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/abi") { _, _ in
            let compiled = AddonABI.describe(AddonABI.pluginAPIVersionField).map { String(cString: $0) } ?? "?"
            return .text("compiled=\(compiled) runtime=\(AddonABI.pluginAPIVersion)")
        }
        routes.get("/hello/:name") { request, context in
            .text("hello \(request.parameters["name"] ?? "?") from \(context.addonID)")
        }
        routes.post("/items") { request, context in
            try await context.database.execute("INSERT INTO items (name) VALUES ($1)", [.text(request.bodyText)])
            context.logger.info("stored an item")
            return .text("stored", status: 201)
        }
        routes.get("/items") { _, context in
            let rows = try await context.database.query("SELECT name FROM items ORDER BY name")
            return .text(rows.compactMap { $0["name"]?.text }.joined(separator: ","))
        }
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureLegacyAddon()) }
