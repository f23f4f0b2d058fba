/// The files `addonctl new` writes.
enum Scaffold {
    static func files(id: String, product: String, pluginAPIPath: String) -> [(String, String)] {
        [
            ("Package.swift", """
            // swift-tools-version: 6.0
            import PackageDescription

            let package = Package(
                name: "\(product)",
                products: [.library(name: "\(product)", type: .dynamic, targets: ["\(product)"])],
                dependencies: [.package(path: "\(pluginAPIPath)")],
                targets: [
                    .target(name: "\(product)", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")]),
                ]
            )

            """),
            ("addon.json", """
            {
              "id": "\(id)",
              "version": "1.0.0",
              "name": "\(product)",
              "product": "\(product)",
              "mountPrefix": "/api/v1/\(id)",
              "permissions": ["database"]
            }

            """),
            ("migrations/sqlite/0001_create_items.up.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"),
            ("migrations/sqlite/0001_create_items.down.sql", "DROP TABLE items;\n"),
            ("Sources/\(product)/\(product).swift", """
            import PluginAPI

            struct \(product): Addon {
                var id: String { "\(id)" }
                var version: String { "1.0.0" }

                func register(_ router: inout Router) {
                    router.get("/items") { _, context in
                        let rows = try await context.database.query("SELECT name FROM items ORDER BY id")
                        return .text(rows.compactMap { $0["name"]?.text }.joined(separator: "\\n"))
                    }
                    router.post("/items") { request, context in
                        try await context.database.execute("INSERT INTO items (name) VALUES ($1)", [.text(request.bodyText)])
                        return .text("added", status: 201)
                    }
                }
            }

            @_cdecl("berth_addon_abi")
            public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

            @_cdecl("berth_addon_create")
            public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(\(product)()) }

            """),
        ]
    }
}
