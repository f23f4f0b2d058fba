import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// Hostile or broken uploads are refused with their specific error, and the home is unchanged.
struct PackageRejectionTests {
    /// Uploads `archive`, expects `status` and `code`, and checks that nothing changed.
    func expectRefused(_ host: IntegrationHost, _ archive: String, status: Int = 422, code: String, mentioning detail: String? = nil) throws {
        let before = host.snapshot()
        let reply = try host.upload(archive)
        #expect(reply.status == status, "\(reply.text)")
        #expect(reply.errorCode == code, "\(reply.text)")
        if let detail { #expect(reply.errorMessage?.contains(detail) == true, "\(reply.text)") }
        #expect(host.snapshot().difference(from: before) == [])
        #expect(try host.berth.anonymous.send("GET", "/health").status == 200)
    }

    func greeterContents() throws -> [(String, [UInt8])] {
        [("lib/libGreeter.so", Array(try Data(contentsOf: URL(fileURLWithPath: BuiltProducts.library("Greeter")))))]
    }

    func write(_ package: RawPackage, in host: IntegrationHost) throws -> String {
        let path = host.folder.appending("raw-\(UUID().uuidString.prefix(8)).berth")
        try package.write(to: path)
        return path
    }

    @Test func randomBytesAreNotAnArchive() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let path = host.folder.appending("junk.berth")
        try Data((0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255) }).write(to: URL(fileURLWithPath: path))
        try expectRefused(host, path, status: 400, code: "not_an_archive")
    }

    @Test func aBadSignatureIsRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        let package = try RawPackage.signed(manifest, contents: try greeterContents(), key: host.packages.key, corruptSignature: true)
        try expectRefused(host, try write(package, in: host), code: "bad_signature")
    }

    @Test func aPackageSignedByAnUntrustedKeyIsRefusedNamingTheKey() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let stranger = try SigningKey.generate()
        let manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        let package = try RawPackage.signed(manifest, contents: try greeterContents(), key: stranger)
        try expectRefused(host, try write(package, in: host), code: "untrusted_key", mentioning: stranger.publicKey.id)
    }

    @Test func aFileTamperedWithAfterSigningIsRefusedNamingTheFile() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        var manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        var contents = try greeterContents()
        manifest.files = ["lib/libGreeter.so": SHA256Digest.hex(contents[0].1)]
        contents[0].1[contents[0].1.count / 2] ^= 0x01
        let package = try RawPackage.signed(manifest, contents: contents, key: host.packages.key)
        try expectRefused(host, try write(package, in: host), code: "hash_mismatch", mentioning: "lib/libGreeter.so")
    }

    @Test func aPathTraversalEntryIsRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        var package = try RawPackage.signed(manifest, contents: try greeterContents(), key: host.packages.key)
        package.entries.append(("../../escaped.sql", .bytes(Array("DROP TABLE x;".utf8))))
        try expectRefused(host, try write(package, in: host), status: 400, code: "unsafe_path", mentioning: "escaped.sql")
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/escaped.sql"))
    }

    @Test func aSymlinkEntryIsRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        var package = try RawPackage.signed(manifest, contents: try greeterContents(), key: host.packages.key)
        package.entries.append(("assets/passwd", .symlink(target: "/etc/passwd")))
        try expectRefused(host, try write(package, in: host), status: 400, code: "link_entry", mentioning: "assets/passwd")
    }

    @Test func aCompressionBombIsRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let manifest = try PackageFactory.manifest(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet")
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let package = try RawPackage.signed(manifest, contents: try greeterContents() + [("assets/zeros.bin", zeros)], key: host.packages.key)
        try expectRefused(host, try write(package, in: host), status: 413, code: "compression_bomb")
    }

    @Test func aManifestThatIsNotJSONIsRefused() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        var package = RawPackage()
        let bytes = Array("{ not json".utf8)
        package.entries = [("manifest.json", .bytes(bytes)), ("manifest.sig", .bytes(try host.packages.key.sign(bytes)))]
        try expectRefused(host, try write(package, in: host), status: 400, code: "invalid_manifest")
    }
}
