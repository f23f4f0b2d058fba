/// The files `addonctl new` writes: an addon package that builds against the Berth SDK found in
/// `$BERTH_SDK` or the addon's own `.berth-sdk/`, with a test target that passes as generated.
enum Scaffold {
    static func files(id: String, product: String) -> [(String, String)] {
        [
            ("Package.swift", """
            // swift-tools-version: 6.0
            import Foundation
            import PackageDescription

            // The Berth SDK (PluginAPI and PluginAPITesting): `$BERTH_SDK` when set, else the copy in
            // this repository's .berth-sdk/ (`addonctl sdk install --to .berth-sdk` refreshes it).
            let sdk = ProcessInfo.processInfo.environment["BERTH_SDK"] ?? Context.packageDirectory + "/.berth-sdk"

            let package = Package(
                name: "\(product)",
                products: [.library(name: "\(product)", type: .dynamic, targets: ["\(product)"])],
                dependencies: [.package(path: sdk + "/PluginAPI")],
                targets: [
                    .target(name: "\(product)", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")]),
                    .testTarget(
                        name: "\(product)Tests",
                        dependencies: ["\(product)", .product(name: "PluginAPITesting", package: "PluginAPI")]
                    ),
                ]
            )

            """),
            ("addon.json", """
            {
              "id": "\(id)",
              "version": "1.0.0",
              "name": "\(product)",
              "description": "",
              "product": "\(product)",
              "mountPrefix": "/api/v1/\(id)",
              "permissions": ["database", "email"]
            }

            """),
            (".gitignore", ".build/\n*.berth\n*.key\n"),
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
                        let name = request.bodyText
                        guard !name.isEmpty else { throw HTTPError.badRequest("the body is the item's name") }
                        try await context.database.execute("INSERT INTO items (name) VALUES ($1)", [.text(name)])
                        context.logger.info("added an item", metadata: ["name": .string(name)])
                        return .text("added", status: 201)
                    }
                    router.post("/items/:id/share") { request, context in
                        guard let id = request.parameters["id"].flatMap(Int64.init) else { throw HTTPError.badRequest("the item id is a number") }
                        let rows = try await context.database.query("SELECT name FROM items WHERE id = $1", [.integer(id)])
                        guard let name = rows.first?["name"]?.text else { throw HTTPError.notFound("no item \\(id)") }
                        let receipt = try await context.services.email.send(EmailMessage(to: [EmailAddress(request.bodyText)], subject: "Shared with you", text: name))
                        return .text(receipt.messageID)
                    }
                }
            }

            @_cdecl("berth_addon_abi")
            public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

            @_cdecl("berth_addon_create")
            public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(\(product)()) }

            """),
            ("Tests/\(product)Tests/\(product)Tests.swift", """
            import PluginAPI
            import PluginAPITesting
            import Testing
            @testable import \(product)

            /// The routes against a real SQLite database migrated from migrations/sqlite, with the
            /// permissions of addon.json and a recording email slot.
            struct \(product)Tests {
                @Test func anAddedItemIsListed() async throws {
                    let addon = try await AddonHarness.start(\(product)())
                    #expect(try await addon.send(.post, "/items", body: "first").status == 201)
                    #expect(try await addon.send(.post, "/items", body: "second").status == 201)
                    let listed = try await addon.send(.get, "/items")
                    #expect(listed.status == 200)
                    #expect(listed.bodyText == "first\\nsecond")
                    let rows = try await addon.database.query("SELECT count(*) AS n FROM items")
                    #expect(rows.first?["n"]?.integer == 2)
                }

                @Test func anEmptyNameIsRefused() async throws {
                    let addon = try await AddonHarness.start(\(product)())
                    let refused = try await addon.send(.post, "/items", body: "")
                    #expect(refused.status == 400)
                    #expect(try await addon.database.query("SELECT id FROM items").isEmpty)
                }

                @Test func sharingAnItemSendsOneEmail() async throws {
                    let addon = try await AddonHarness.start(\(product)())
                    _ = try await addon.send(.post, "/items", body: "milk")
                    let shared = try await addon.send(.post, "/items/1/share", body: "friend@example.com")
                    #expect(shared.status == 200)
                    #expect(addon.email.sent.map(\\.subject) == ["Shared with you"])
                    #expect(addon.email.sent.first?.to.map(\\.address) == ["friend@example.com"])
                    #expect(try await addon.send(.post, "/items/9/share", body: "friend@example.com").status == 404)
                }

                @Test func theMigrationsUndoCleanly() async throws {
                    try TestDatabase().checkReversible(from: AddonHarness.packageRoot(above: #filePath)! + "/migrations/sqlite")
                }
            }

            """),
        ]
    }
}
