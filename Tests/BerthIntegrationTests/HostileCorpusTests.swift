import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// A corpus of hostile or broken packages and requests — structure, signature, manifest,
/// migrations, dependencies, configuration, oversized inputs. Each is refused with its own error,
/// the home is unchanged, and the host keeps serving. (More cases live in PackageRejectionTests,
/// InstallRejectionTests, UpgradeTests, DependencyTests and AdminAuthTests.)
struct HostileCorpusTests {
    /// What a case sends, and at which stage it must be refused.
    enum Attack: Sendable {
        /// A package upload refused at upload.
        case upload(@Sendable (IntegrationHost) throws -> String)
        /// A package that uploads fine and is refused at install.
        case install(id: String, @Sendable (IntegrationHost) throws -> String)
        /// A raw admin request.
        case request(method: String, path: String, body: [UInt8])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let attack: Attack
        let status: Int
        let code: String
        var testDescription: String { name }
    }

    static func greeter(_ host: IntegrationHost) throws -> [(String, [UInt8])] {
        [("lib/libGreeter.so", Array(try Data(contentsOf: URL(fileURLWithPath: BuiltProducts.library("Greeter")))))]
    }

    static func manifest(_ change: (inout Manifest) -> Void = { _ in }) throws -> Manifest {
        var manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        change(&manifest)
        return manifest
    }

    static func raw(_ host: IntegrationHost, _ build: (inout RawPackage) throws -> Void) throws -> String {
        var package = RawPackage()
        try build(&package)
        let path = host.folder.appending("corpus-\(UUID().uuidString.prefix(8)).berth")
        try package.write(to: path)
        return path
    }

    static func signed(_ host: IntegrationHost, manifest change: (inout Manifest) -> Void = { _ in }, extra: [(String, ArchiveContents)] = []) throws -> String {
        try raw(host) { package in
            package = try RawPackage.signed(try manifest(change), contents: try greeter(host), key: host.packages.key)
            package.entries += extra
        }
    }

    static let cases: [Case] = [
        Case(name: "empty body", attack: .request(method: "POST", path: "/api/v1/marketplace/packages", body: []), status: 400, code: "bad_request"),
        Case(name: "archive without manifest", attack: .upload { host in try raw(host) { $0.entries = [("lib/libGreeter.so", .bytes(try greeter(host)[0].1))] } }, status: 400, code: "missing_manifest"),
        Case(name: "manifest without signature", attack: .upload { host in
            try raw(host) { package in
                package = try RawPackage.signed(try manifest(), contents: try greeter(host), key: host.packages.key)
                package.entries.removeAll { $0.path == "manifest.sig" }
            }
        }, status: 400, code: "missing_signature"),
        Case(name: "file not listed in the manifest", attack: .upload { host in try signed(host, extra: [("assets/extra.js", .bytes(Array("alert(1)".utf8)))]) }, status: 422, code: "unlisted_file"),
        Case(name: "listed file missing", attack: .upload { host in
            try signed(host) { $0.files = ["lib/libGreeter.so": SHA256Digest.hex(try! greeter(host)[0].1), "migrations/sqlite/0001.up.sql": String(repeating: "a", count: 64)] }
        }, status: 422, code: "missing_file"),
        Case(name: "absolute path entry", attack: .upload { host in try signed(host, extra: [("/etc/cron.d/evil", .bytes(Array("x".utf8)))]) }, status: 400, code: "unsafe_path"),
        Case(name: "hard link entry", attack: .upload { host in try signed(host, extra: [("assets/link", .hardlink(target: "lib/libGreeter.so"))]) }, status: 400, code: "link_entry"),
        Case(name: "fifo entry", attack: .upload { host in try signed(host, extra: [("assets/pipe", .fifo)]) }, status: 400, code: "special_file"),
        Case(name: "duplicate entry", attack: .upload { host in try signed(host, extra: [("lib/libGreeter.so", .bytes(Array("shadow".utf8)))]) }, status: 400, code: "duplicate_entry"),
        Case(name: "too many entries", attack: .upload { host in
            try signed(host, extra: (0 ..< 1100).map { ("assets/f\($0)", .bytes([1])) })
        }, status: 413, code: "too_many_entries"),
        Case(name: "invalid addon id", attack: .upload { host in try signed(host) { $0.id = "../Greeter" } }, status: 400, code: "invalid_manifest"),
        Case(name: "invalid version", attack: .upload { host in try signed(host) { $0.version = "one" } }, status: 400, code: "invalid_manifest"),
        Case(name: "mount prefix at the root", attack: .upload { host in try signed(host) { $0.mountPrefix = "/" } }, status: 400, code: "invalid_manifest"),
        Case(name: "mount prefix with a parent segment", attack: .upload { host in try signed(host) { $0.mountPrefix = "/api/../admin" } }, status: 400, code: "invalid_manifest"),
        Case(name: "library not listed", attack: .upload { host in try signed(host) { $0.library = "lib/libOther.so" } }, status: 400, code: "invalid_manifest"),
        Case(name: "unknown permission", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet") { $0.permissions = ["database", "root_shell"] }
        }, status: 422, code: "unknown_permission"),
        Case(name: "migrations only for another dialect", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet", migrations: [("0001_t", "CREATE TABLE t (x INT);", "DROP TABLE t;")]) { manifest in
                manifest.migrations = manifest.migrations.map { MigrationEntry(id: $0.id, dialect: "postgres", up: $0.up, down: $0.down) }
            }
        }, status: 422, code: "missing_dialect"),
        Case(name: "PluginAPI range the host does not meet", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet") { $0.pluginAPI = ">=2.0.0 <3.0.0" }
        }, status: 422, code: "plugin_api_mismatch"),
        Case(name: "manifest ABI version from the future", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet") { $0.abi = 7 }
        }, status: 422, code: "abi_mismatch"),
        Case(name: "another architecture", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet") { $0.architecture = "riscv64" }
        }, status: 422, code: "architecture_mismatch"),
        Case(name: "down-migration that does not undo its up", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet", migrations: [("0001_t", "CREATE TABLE t (x INT); CREATE TABLE u (y INT);", "DROP TABLE t;")])
        }, status: 422, code: "irreversible_migration"),
        Case(name: "migration ids out of order", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet", migrations: [
                ("0002_b", "CREATE TABLE b (x INT);", "DROP TABLE b;"), ("0001_a", "CREATE TABLE a (x INT);", "DROP TABLE a;"),
            ])
        }, status: 422, code: "migration_out_of_order"),
        Case(name: "dependency on an unknown addon", attack: .install(id: "greeter") { host in
            try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet") { $0.dependencies = ["billing": "^2.0.0"] }
        }, status: 422, code: "dependency_unsatisfied"),
        Case(name: "library whose addon has another id", attack: .install(id: "impostor") { host in
            try host.packages.make(id: "impostor", product: "Greeter", mountPrefix: "/api/v1/impostor")
        }, status: 422, code: "identity_mismatch"),
        Case(name: "library without entry points", attack: .install(id: "plain") { host in
            try host.packages.make(id: "plain", product: "FixtureNoEntryAddon", mountPrefix: "/api/v1/plain")
        }, status: 422, code: "missing_entry"),
        Case(name: "library whose entry never returns", attack: .install(id: "stuck") { host in
            try host.packages.make(id: "stuck", product: "FixtureHangingAddon", mountPrefix: "/api/v1/stuck")
        }, status: 422, code: "probe_timed_out"),
        Case(name: "install body that is not JSON", attack: .request(method: "POST", path: "/api/v1/marketplace/install", body: Array("{id: greeter".utf8)), status: 400, code: "bad_request"),
        Case(name: "install body without id", attack: .request(method: "POST", path: "/api/v1/marketplace/install", body: Array("{\"version\":\"1.0.0\"}".utf8)), status: 400, code: "bad_request"),
        Case(name: "install of a package the catalog lacks", attack: .request(method: "POST", path: "/api/v1/marketplace/install", body: Array("{\"id\":\"ghost\"}".utf8)), status: 404, code: "package_not_found"),
        Case(name: "uninstall of an addon not installed", attack: .request(method: "DELETE", path: "/api/v1/marketplace/uninstall/ghost", body: []), status: 404, code: "addon_not_installed"),
        Case(name: "upgrade of an addon not installed", attack: .request(method: "POST", path: "/api/v1/addons/ghost/upgrade", body: Array("{}".utf8)), status: 404, code: "addon_not_installed"),
        Case(name: "configuration of an addon not installed", attack: .request(method: "PATCH", path: "/api/v1/addons/ghost/config", body: Array("{}".utf8)), status: 404, code: "addon_not_installed"),
        Case(name: "install body over the size limit", attack: .request(method: "POST", path: "/api/v1/marketplace/install", body: [UInt8](repeating: 32, count: 2 << 20)), status: 413, code: "payload_too_large"),
        Case(name: "package over the upload limit", attack: .request(method: "POST", path: "/api/v1/marketplace/packages", body: [UInt8](repeating: 0, count: 9 << 20)), status: 413, code: "payload_too_large"),
    ]

    @Test(arguments: cases)
    func aHostileInputIsRefusedWithItsOwnErrorAndChangesNothing(_ testCase: Case) throws {
        let host = try IntegrationHost(environment: ["BERTH_MAX_PACKAGE_BYTES": String(8 << 20)])
        defer { host.close() }
        let reply: HTTPTestClient.Reply
        var before = host.snapshot()
        switch testCase.attack {
        case .upload(let build):
            let archive = try build(host)
            before = host.snapshot()
            reply = try host.upload(archive)
        case .install(let id, let build):
            let uploaded = try host.upload(try build(host))
            #expect(uploaded.status == 201, "\(uploaded.text)")
            before = host.snapshot()
            reply = try host.install(id)
        case .request(let method, let path, let body):
            reply = try host.berth.admin.send(method, path, body: body)
        }
        #expect(reply.status == testCase.status, "\(reply.text)")
        #expect(reply.errorCode == testCase.code, "\(reply.text)")
        #expect(reply.errorMessage?.isEmpty == false)
        #expect(host.snapshot().difference(from: before) == [])
        #expect(try host.berth.anonymous.send("GET", "/health").status == 200)
    }
}
