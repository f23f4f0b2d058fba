// swift-tools-version: 6.0
import PackageDescription

// The addon `tools/bench/slots.py` installs to time the cache and rate-limiting slots in process.
// A package of its own, depending on the repository's PluginAPI by path, so the root package
// carries no bench code; built by the bench with `--scratch-path bench/work/…`.
let package = Package(
    name: "SlotBenchAddon",
    products: [.library(name: "SlotBenchAddon", type: .dynamic, targets: ["SlotBenchAddon"])],
    dependencies: [.package(path: "../../../PluginAPI")],
    targets: [
        .target(
            name: "SlotBenchAddon",
            dependencies: [.product(name: "PluginAPI", package: "PluginAPI")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
