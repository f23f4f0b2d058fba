import BerthPackages
import Foundation

/// A signing key, sample addon files and helpers to build good and hostile packages from them.
struct PackageFixture {
    let temp: TemporaryDirectory
    let key: SigningKey
    let sources: [(archivePath: String, sourcePath: String)]

    /// The trust store holding only ``key``.
    var trustStore: TrustStore { TrustStore(keys: [key.publicKey]) }

    /// Where ``verify(_:)`` unpacks; it must not exist before or after a failed verification.
    var staging: String { temp.file("staging/pkg") }

    init() throws {
        temp = try TemporaryDirectory()
        key = try SigningKey.generate()
        sources = [
            ("lib/libGreeter.so", try temp.write("src/libGreeter.so", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })),
            ("migrations/sqlite/0001_init.up.sql", try temp.write("src/up.sql", "CREATE TABLE greetings (id INTEGER PRIMARY KEY);\n")),
            ("migrations/sqlite/0001_init.down.sql", try temp.write("src/down.sql", "DROP TABLE greetings;\n")),
            ("assets/readme.txt", try temp.write("src/readme.txt", "Hello.\n")),
        ]
    }

    /// A manifest template matching ``sources`` (files left empty for the builder).
    static func template(id: String = "greeter") -> Manifest {
        Manifest(
            id: id, version: "1.2.3", name: "Greeter", pluginAPI: ">=1.0.0 <2.0.0", abi: 1,
            toolchain: "6.3.1", architecture: "x86_64", library: "lib/libGreeter.so",
            mountPrefix: "/api/v1/greet", permissions: ["database"],
            migrations: [MigrationEntry(id: "0001_init", dialect: "sqlite", up: "migrations/sqlite/0001_init.up.sql", down: "migrations/sqlite/0001_init.down.sql")],
            files: [:]
        )
    }

    /// Builds a signed package and returns its path and the manifest as packed.
    func build(_ name: String = "greeter.berth", signedBy signer: SigningKey? = nil) throws -> (path: String, manifest: Manifest) {
        let path = temp.file(name)
        let manifest = try PackageBuilder(manifest: Self.template(), files: sources, signingKey: signer ?? key).build(to: path)
        return (path, manifest)
    }

    /// Verifies with ``trustStore`` (or `store`) into ``staging``.
    func verify(_ archive: String, trusting store: TrustStore? = nil) throws -> VerifiedPackage {
        try PackageVerifier(trustStore: store ?? trustStore).verify(archive: archive, stagingDirectory: staging)
    }

    /// Unpacks `archive`, lets `edit` change its entry list, and writes the result to `name`.
    func repack(_ archive: String, as name: String, _ edit: (inout [(path: String, contents: ArchiveContents)]) throws -> Void) throws -> String {
        let folder = temp.file("repack-\(name)")
        let files = try ArchiveExtractor.extract(archive: archive, into: folder, limits: .init())
        var entries: [(path: String, contents: ArchiveContents)] = try files.map { file in
            (file.path, .bytes(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(file.path)")))))
        }
        try edit(&entries)
        let output = temp.file(name)
        try ArchiveWriter.write(to: output, entries: entries)
        return output
    }

    /// Writes a package whose `manifest.json` is exactly `manifestBytes`, correctly signed by
    /// ``key``, with the sample files: for testing what the verifier does with odd manifests.
    func signedPackage(manifestBytes: [UInt8], as name: String) throws -> String {
        var entries: [(path: String, contents: ArchiveContents)] = [
            ("manifest.json", .bytes(manifestBytes)),
            ("manifest.sig", .bytes(try key.sign(manifestBytes))),
        ]
        entries += sources.map { ($0.archivePath, .file($0.sourcePath)) }
        let output = temp.file(name)
        try ArchiveWriter.write(to: output, entries: entries)
        return output
    }
}

extension Array where Element == (path: String, contents: ArchiveContents) {
    /// Replaces the contents of the entry at `path`.
    mutating func replace(_ path: String, with contents: ArchiveContents) {
        self = map { $0.path == path ? (path, contents) : $0 }
    }

    /// The bytes of the entry at `path`, if it holds bytes.
    func bytes(of path: String) -> [UInt8]? {
        for entry in self where entry.path == path {
            if case .bytes(let bytes) = entry.contents { return bytes }
        }
        return nil
    }
}
