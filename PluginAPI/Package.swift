// swift-tools-version: 6.0
import PackageDescription

// PluginAPI is the only code shared between the Berth host and its addons. It is a package of its
// own with a dynamic product so that the host and every addon resolve one `libPluginAPI.so` at run
// time (one copy of every type and singleton). Library evolution keeps old addon binaries working
// when this package grows by additions.
let package = Package(
    name: "PluginAPI",
    products: [
        .library(name: "PluginAPI", type: .dynamic, targets: ["PluginAPI"]),
        // For addons' tests: a real SQLite database migrated by the host's migration runner,
        // recording provider slots, routes called by path. Not part of PluginAPI's ABI.
        .library(name: "PluginAPITesting", targets: ["PluginAPITesting"]),
    ],
    targets: [
        .target(
            name: "PluginAPI",
            swiftSettings: [
                .unsafeFlags(["-enable-library-evolution"]),
                .swiftLanguageMode(.v6),
            ]
        ),
        .systemLibrary(name: "CBerthTestSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "PluginAPITesting",
            dependencies: ["PluginAPI", "CBerthTestSQLite"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
