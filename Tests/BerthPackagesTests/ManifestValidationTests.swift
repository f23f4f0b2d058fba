import BerthPackages
import Testing

struct ManifestValidationTests {
    /// The fixture's manifest with its files listed, valid as is.
    private func valid() -> Manifest {
        var manifest = PackageFixture.template()
        let hash = String(repeating: "a", count: 64)
        manifest.files = [
            "lib/libGreeter.so": hash,
            "migrations/sqlite/0001_init.up.sql": hash,
            "migrations/sqlite/0001_init.down.sql": hash,
        ]
        return manifest
    }

    private func expectInvalid(naming field: String, _ change: (inout Manifest) -> Void) {
        var manifest = valid()
        change(&manifest)
        let error = #expect(throws: PackageError.self) { try manifest.validate() }
        #expect(error?.code == "invalid_manifest")
        #expect(error?.message.contains("'\(field)'") == true, "\(String(describing: error))")
    }

    @Test func theFixtureManifestIsValid() throws {
        try valid().validate()
    }

    @Test(arguments: ["Greeter", "g", "1abc", "bad-id", "_x", String(repeating: "a", count: 65)])
    func idsOutsideThePatternAreRefused(id: String) {
        expectInvalid(naming: "id") { $0.id = id }
    }

    @Test(arguments: ["ab", "greeter_2", String(repeating: "a", count: 64)])
    func idsInsideThePatternAreAccepted(id: String) throws {
        var manifest = valid()
        manifest.id = id
        try manifest.validate()
    }

    @Test(arguments: ["1.0", "1.0.0.0", "v1.0.0", "1.02.0", "1.0.0-", "1.0.0-be ta", ""])
    func versionsThatAreNotSemanticAreRefused(version: String) {
        expectInvalid(naming: "version") { $0.version = version }
    }

    @Test(arguments: ["0.1.0", "10.20.30", "1.0.0-beta.1", "2.0.0-rc-1"])
    func semanticVersionsAreAccepted(version: String) throws {
        var manifest = valid()
        manifest.version = version
        try manifest.validate()
    }

    @Test(arguments: ["api/greet", "/", "/api/", "/api/../admin", "/api//x"])
    func unsafeMountPrefixesAreRefused(prefix: String) {
        expectInvalid(naming: "mountPrefix") { $0.mountPrefix = prefix }
    }

    @Test func theLibraryAndEveryMigrationScriptMustBeListedInFiles() {
        expectInvalid(naming: "library") { $0.files["lib/libGreeter.so"] = nil }
        expectInvalid(naming: "migrations[0].up") { $0.files["migrations/sqlite/0001_init.up.sql"] = nil }
        expectInvalid(naming: "migrations[0].down") { $0.files["migrations/sqlite/0001_init.down.sql"] = nil }
    }

    @Test func migrationsNeedAKnownDialectAndDistinctIDs() {
        expectInvalid(naming: "migrations[0].dialect") { $0.migrations[0].dialect = "oracle" }
        expectInvalid(naming: "migrations[1].id") { $0.migrations.append($0.migrations[0]) }
    }

    @Test func fileHashesMustBeLowercaseSHA256Hex() {
        expectInvalid(naming: "files") { $0.files["lib/libGreeter.so"] = String(repeating: "A", count: 64) }
        expectInvalid(naming: "files") { $0.files["manifest.json"] = String(repeating: "a", count: 64) }
    }

    @Test func fieldsWithDefaultsMayBeLeftOutOfTheJSON() throws {
        let json = """
        {"id":"mini","version":"0.1.0","pluginAPI":">=1.0.0","abi":1,"toolchain":"6.3.1",
         "architecture":"x86_64","library":"lib/libMini.so","mountPrefix":"/mini","files":{}}
        """
        let manifest = try Manifest.decode(Array(json.utf8))
        #expect(manifest.format == 1)
        #expect(manifest.permissions.isEmpty && manifest.migrations.isEmpty && manifest.signingKey == nil)
    }

    @Test func aFieldOfTheWrongTypeIsNamed() {
        let json = #"{"id":"mini","version":"0.1.0","pluginAPI":">=1.0.0","abi":"one"}"#
        let error = #expect(throws: PackageError.self) { try Manifest.decode(Array(json.utf8)) }
        #expect(error?.code == "invalid_manifest")
        #expect(error?.message.contains("'abi'") == true, "\(String(describing: error))")
    }
}
