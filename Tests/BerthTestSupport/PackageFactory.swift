import BerthPackages
import Foundation

/// Signed packages for tests: the example addons packed by the real `addonctl`, and hand-made
/// packages (valid or hostile) built with the package layer directly.
public struct PackageFactory: Sendable {
    /// The key packages are signed with.
    public let key: SigningKey
    /// Folder holding `dev.key` and `dev.pub`, and the packages made.
    public let folder: String

    /// Generates a key in `folder`.
    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        key = try SigningKey.generate()
        try key.writePEM(to: folder + "/dev.key")
        try key.publicKey.writePEM(to: folder + "/dev.pub")
    }

    /// The public key file, for `BERTH_TRUSTED_KEYS`.
    public var publicKeyFile: String { folder + "/dev.pub" }

    /// Packs `Addons/<addon>` with the built library of `product` through `addonctl pack`.
    public func packExample(_ addon: String, product: String) throws -> String {
        let output = folder + "/\(addon).berth"
        let result = try Command.run(BuiltProducts.addonctl, [
            "pack", BuiltProducts.repositoryRoot + "/Addons/\(addon)", "--key", folder + "/dev.key",
            "--library", BuiltProducts.library(product), "--out", output,
        ])
        guard result.status == 0 else { throw ClientError("addonctl pack failed: \(result.output)") }
        return output
    }

    /// A package of the library of `product`, with `change` applied to its manifest before signing
    /// and `extraFiles` (archive path → contents) added. `migrations` are shipped once per dialect
    /// of `dialects`, the same SQL in each.
    public func make(
        id: String, version: String = "1.0.0", product: String, library: String? = nil, mountPrefix: String,
        migrations: [(id: String, up: String, down: String)] = [], dialects: [String] = ["sqlite"], signWith signer: SigningKey? = nil,
        assets: [String: String] = [:], change: (inout Manifest) -> Void = { _ in }
    ) throws -> String {
        let work = folder + "/make-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var files: [(archivePath: String, sourcePath: String)] = [("lib/lib\(product).so", library ?? BuiltProducts.library(product))]
        for (index, (path, text)) in assets.sorted(by: { $0.key < $1.key }).enumerated() {
            let source = work + "/asset-\(index)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: source))
            files.append(("assets/" + path, source))
        }
        var entries: [MigrationEntry] = []
        for dialect in dialects {
            for migration in migrations {
                for (suffix, sql) in [("up", migration.up), ("down", migration.down)] {
                    let path = work + "/\(dialect)-\(migration.id).\(suffix).sql"
                    try Data(sql.utf8).write(to: URL(fileURLWithPath: path))
                    files.append(("migrations/\(dialect)/\(migration.id).\(suffix).sql", path))
                }
                entries.append(MigrationEntry(id: migration.id, dialect: dialect, up: "migrations/\(dialect)/\(migration.id).up.sql", down: "migrations/\(dialect)/\(migration.id).down.sql"))
            }
        }
        var manifest = try Self.manifest(id: id, version: version, product: product, mountPrefix: mountPrefix)
        manifest.migrations = entries
        change(&manifest)
        let output = folder + "/\(id)-\(version)-\(UUID().uuidString.prefix(6)).berth"
        _ = try PackageBuilder(manifest: manifest, files: files, signingKey: signer ?? key).build(to: output)
        return output
    }

    /// A package of the manifest-driven fixture addon (or of another `product` that reads its id
    /// and version from the installed manifest): any id and version, with `migrations` (id, up,
    /// down) for each of `dialects`, the given dependencies, and `assets` (path under `assets/` → text).
    public func fixture(
        id: String, version: String, mountPrefix: String? = nil, migrations: [(id: String, up: String, down: String)] = [],
        dialects: [String] = ["sqlite"], product: String = "FixtureManifestAddon",
        dependencies: [String: String] = [:], assets: [String: String] = [:], change: (inout Manifest) -> Void = { _ in }
    ) throws -> String {
        try make(id: id, version: version, product: product, mountPrefix: mountPrefix ?? "/api/v1/\(id)", migrations: migrations, dialects: dialects, assets: assets) { manifest in
            manifest.dependencies = dependencies
            change(&manifest)
        }
    }

    /// The migrations of the `notes` fixture: 0001 creates `items`, 0002 adds `tags`, 0003 adds `labels`.
    public static let notesMigrations: [(id: String, up: String, down: String)] = [
        ("0001_items", "CREATE TABLE items (name TEXT PRIMARY KEY);", "DROP TABLE items;"),
        ("0002_tags", "CREATE TABLE tags (name TEXT PRIMARY KEY, item TEXT REFERENCES items(name));", "DROP TABLE tags;"),
        ("0003_labels", "CREATE TABLE labels (name TEXT);", "DROP TABLE labels;"),
    ]

    /// A manifest for the library of `product` with this host's ABI, toolchain and architecture, and
    /// no files listed yet.
    public static func manifest(id: String, version: String = "1.0.0", product: String, mountPrefix: String) throws -> Manifest {
        let toolchain = try Command.run(BuiltProducts.berth, ["version"]).output
        return Manifest(
            id: id, version: version, pluginAPI: ">=1.0.0 <2.0.0", abi: 1,
            toolchain: field(after: "Swift ", in: toolchain), architecture: field(after: ", ", in: toolchain, last: true),
            library: "lib/lib\(product).so", mountPrefix: mountPrefix, permissions: ["database", "events"],
            files: [:]
        )
    }

    /// Reads the word after `marker` in `berth version`'s line.
    static func field(after marker: String, in line: String, last: Bool = false) -> String {
        let range = last ? line.range(of: marker, options: .backwards) : line.range(of: marker)
        guard let range else { return "" }
        return String(line[range.upperBound...].prefix { $0 != "," && $0 != "\n" && $0 != " " })
    }
}

/// Runs a program to completion.
public enum Command {
    /// Runs `executable` with `arguments`; returns its status and combined output.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
