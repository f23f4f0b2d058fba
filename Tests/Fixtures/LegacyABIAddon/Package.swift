// swift-tools-version: 6.0
import Foundation
import PackageDescription

// An addon built against PluginAPI 1.1.0 as released, not against this checkout's PluginAPI:
// `tools/scripts/plugin-api-baseline.sh fixture` extracts PluginAPI 1.1.0 from git history into
// the build folder and builds this package against it (BERTH_PLUGIN_API_BASELINE), so the suite
// proves that a binary built against the previous release loads and serves on the current host.
let baseline = ProcessInfo.processInfo.environment["BERTH_PLUGIN_API_BASELINE"] ?? "../../../.build/plugin-api-1.1.0/PluginAPI"

let package = Package(
    name: "FixtureLegacyAddon",
    products: [
        .library(name: "FixtureLegacyAddon", type: .dynamic, targets: ["FixtureLegacyAddon"]),
    ],
    dependencies: [
        .package(path: baseline),
    ],
    targets: [
        .target(
            name: "FixtureLegacyAddon",
            dependencies: [.product(name: "PluginAPI", package: "PluginAPI")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
