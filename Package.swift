// swift-tools-version: 6.0
import PackageDescription

// Layers, bottom up: C system libraries → BerthHTTP, BerthStorage, BerthPackages, BerthLoader →
// BerthCore (registry, install state machine, admin API) → the `berth` and `addonctl` executables.
// PluginAPI is a separate package so that one dynamic copy of it is shared by the host and addons.

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// An example or test addon: a dynamic library that links PluginAPI dynamically.
func addon(_ name: String, path: String, extra: [Target.Dependency] = []) -> [Target] {
    [.target(name: name, dependencies: [.product(name: "PluginAPI", package: "PluginAPI")] + extra, path: path, swiftSettings: swift6)]
}

/// Fixtures whose identity comes from their installed manifest (linked statically into each).
let manifestDrivenFixtures: Set<String> = ["FixtureManifestAddon", "FixtureSQLAddon", "FixtureContextAddon", "FixtureWorkerCrashAddon", "FixtureProviderAddon", "FixtureJobsAddon", "FixtureEventsAddon"]

let fixtureAddons = ["FixtureManifestAddon", "FixtureProbeAddon", "FixtureCrashingAddon", "FixtureWrongABIAddon", "FixtureOldToolchainAddon", "FixtureNoEntryAddon", "FixtureHangingAddon", "FixtureSQLAddon", "FixtureSegfaultAddon", "FixtureHangAddon", "FixtureContextAddon", "FixtureWorkerCrashAddon", "FixtureProviderAddon", "FixtureJobsAddon", "FixtureEventsAddon"]

/// Provider addons and the examples built on them (ProviderKit linked statically into each): product name and folder under Addons/.
let providerAddons: [(product: String, folder: String)] = [
    ("SMTPProvider", "smtp"), ("EmailAPIs", "email_apis"), ("S3Provider", "s3"), ("StripeProvider", "stripe"), ("SMSGateways", "sms_gateways"),
    ("AnalyticsGateways", "analytics_gateways"), ("SentryProvider", "sentry"),
    // Example addons built on the slots.
    ("EmailMarketing", "email_marketing"), ("SMSNotifications", "sms_notifications"), ("StripeBilling", "stripe_billing"),
]

let package = Package(
    name: "Berth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "addonctl", targets: ["addonctl"]),
        .library(name: "AIChatbot", type: .dynamic, targets: ["AIChatbot"]),
        .library(name: "Greeter", type: .dynamic, targets: ["Greeter"]),
        .library(name: "BenchAddon", type: .dynamic, targets: ["BenchAddon"]),
        .library(name: "ProviderKit", type: .static, targets: ["ProviderKit"]),
        .library(name: "RedisProvider", type: .dynamic, targets: ["RedisProvider"]),
    ] + providerAddons.map { .library(name: $0.product, type: .dynamic, targets: [$0.product]) } + [
    ] + fixtureAddons.map { .library(name: $0, type: .dynamic, targets: [$0]) },
    dependencies: [
        .package(path: "PluginAPI"),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CMicroHTTPD", path: "Host/C/CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Host/C/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CArchive", path: "Host/C/CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Host/C/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", path: "Host/C/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSLTLS", path: "Host/C/COpenSSLTLS", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Host/C/CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Host layers.
        .target(name: "CBerthLanes", dependencies: ["CMicroHTTPD"], path: "Host/C/CBerthLanes"),
        .target(name: "BerthHTTP", dependencies: ["CMicroHTTPD", "CBerthLanes", "BerthTraffic", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/HTTP", swiftSettings: swift6),
        .target(name: "BerthStorage", dependencies: ["CSQLite", "CPostgres", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Storage", swiftSettings: swift6),
        .target(name: "BerthPackages", dependencies: ["CArchive", "COpenSSL", "BerthJobs", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Packages", swiftSettings: swift6),
        .target(name: "BerthNetwork", dependencies: ["CCurl", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Network", swiftSettings: swift6),
        .target(name: "BerthIdentity", dependencies: ["COpenSSL", "BerthNetwork", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Identity", swiftSettings: swift6),
        // Counters shared by every process of a host (rate limits across workers).
        .target(name: "CBerthShared", path: "Host/C/CBerthShared"),
        .target(name: "BerthTraffic", dependencies: ["CBerthShared", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Traffic", swiftSettings: swift6),
        .target(name: "BerthJobs", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Jobs", swiftSettings: swift6),
        .target(name: "BerthMetrics", dependencies: ["BerthTraffic", "CBerthShared"], path: "Host/Metrics", swiftSettings: swift6),
        // Provider slots (email, cache, storage, …): selection, failover, fan-out and the host's
        // development providers.
        .target(name: "BerthProviders", dependencies: ["BerthTraffic", "BerthStorage", "COpenSSL", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Providers", swiftSettings: swift6),
        .target(name: "BerthLoader", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Loader", swiftSettings: swift6),
        .target(
            name: "BerthCore",
            dependencies: ["BerthHTTP", "BerthStorage", "BerthPackages", "BerthJobs", "BerthLoader", "BerthNetwork", "BerthIdentity", "BerthTraffic", "BerthMetrics", "BerthProviders", .product(name: "PluginAPI", package: "PluginAPI")],
            path: "Host/Core",
            swiftSettings: swift6
        ),
        // Supervisor and worker processes (`berth serve --workers N`); the crash guard is C because
        // its signal handler must be async-signal-safe.
        .target(name: "CBerthCrash", path: "Host/C/CBerthCrash"),
        .target(name: "BerthSupervisor", dependencies: ["BerthCore", "BerthHTTP", "BerthMetrics", "CBerthCrash", .product(name: "PluginAPI", package: "PluginAPI")], path: "Host/Supervisor", swiftSettings: swift6),
        // The host binary is stripped like any packaged binary. Its symbol table would otherwise list
        // local helpers the compiler emits into every client of PluginAPI (outlined copies,
        // witness-table caches, emit-into-client functions): not a copy of PluginAPI, whose one copy
        // is libPluginAPI.so (proved at run time by the integration tests), but they read as one.
        .executableTarget(
            name: "berth", dependencies: ["BerthCore", "BerthSupervisor"], path: "Host/berth", swiftSettings: swift6,
            // `exit` is exported so that an addon's call binds to the crash guard's (CBerthCrash/exit.c).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--strip-all", "-Xlinker", "--export-dynamic-symbol=exit"])]
        ),
        .executableTarget(name: "addonctl", dependencies: ["BerthPackages", "BerthStorage"], path: "tools/addonctl", swiftSettings: swift6),
        // `make bench`'s cost of counting one request for /metrics (tools/bench/metrics.py).
        .executableTarget(name: "metrics-bench", dependencies: ["BerthMetrics"], path: "tools/bench/MetricsBench", swiftSettings: swift6),

        // Wire-protocol clients provider addons are built from (S3/SigV4, Stripe, Redis, SMTP): linked
        // statically into each provider addon, which keeps PluginAPI dynamic.
        .target(name: "ProviderKit", dependencies: ["COpenSSL", "COpenSSLTLS", .product(name: "PluginAPI", package: "PluginAPI")], path: "Addons/ProviderKit", swiftSettings: swift6),

        // Tests. BerthTestSupport finds the built products, runs the real `berth` binary and builds
        // signed packages; the integration tests drive the binary over HTTP.
        .target(name: "BerthTestSupport", dependencies: ["BerthPackages"], path: "Tests/BerthTestSupport", swiftSettings: swift6),
        .testTarget(name: "BerthHTTPTests", dependencies: ["BerthHTTP"], swiftSettings: swift6),
        .testTarget(name: "BerthStorageTests", dependencies: ["BerthStorage"], swiftSettings: swift6),
        .testTarget(name: "BerthPostgresTests", dependencies: ["BerthStorage", "BerthTestSupport"], swiftSettings: swift6),
        .testTarget(name: "BerthPackagesTests", dependencies: ["BerthPackages"], swiftSettings: swift6),
        .testTarget(name: "BerthIdentityTests", dependencies: ["BerthIdentity", "COpenSSL"], swiftSettings: swift6),
        .testTarget(name: "BerthProvidersTests", dependencies: ["BerthProviders"], swiftSettings: swift6),
        .testTarget(name: "BerthTrafficTests", dependencies: ["BerthTraffic"], swiftSettings: swift6),
        .testTarget(name: "BerthJobsTests", dependencies: ["BerthJobs"], swiftSettings: swift6),
        .testTarget(name: "BerthMetricsTests", dependencies: ["BerthMetrics"], swiftSettings: swift6),
        .testTarget(name: "BerthLoaderTests", dependencies: ["BerthLoader", "BerthTestSupport"], swiftSettings: swift6),
        .testTarget(name: "BerthIntegrationTests", dependencies: ["BerthPackages", "BerthStorage", "BerthTestSupport", "COpenSSL"], swiftSettings: swift6),
        .testTarget(name: "PluginAPITests", dependencies: [.product(name: "PluginAPI", package: "PluginAPI")], swiftSettings: swift6),
        .testTarget(name: "BerthCoreTests", dependencies: ["BerthCore"], swiftSettings: swift6),
        .testTarget(name: "ProviderKitTests", dependencies: ["ProviderKit", "BerthNetwork"], exclude: ["Fixtures"], swiftSettings: swift6),
    ]
        + addon("AIChatbot", path: "Addons/ai_chatbot/Sources")
        + addon("Greeter", path: "Addons/greeter/Sources")
        + addon("BenchAddon", path: "tools/bench/BenchAddon")
        + addon("RedisProvider", path: "Addons/redis_provider/Sources", extra: ["ProviderKit"])
        + providerAddons.flatMap { addon($0.product, path: "Addons/\($0.folder)/Sources", extra: ["ProviderKit"]) }
        + fixtureAddons.flatMap { addon($0, path: "Tests/Fixtures/\($0)", extra: manifestDrivenFixtures.contains($0) ? ["FixtureIdentity"] : []) }
        + [.target(name: "FixtureIdentity", path: "Tests/Fixtures/FixtureIdentity", swiftSettings: swift6)]
)
