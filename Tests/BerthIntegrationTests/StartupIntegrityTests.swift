import BerthTestSupport
import Foundation
import Testing

/// At start the host loads what the registry lists, and refuses to load an addon whose installed
/// files changed since install, while the others keep serving.
struct StartupIntegrityTests {
    @Test func anAddonWhoseLibraryChangedAfterInstallIsNotLoadedAndSaysWhy() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        _ = try host.uploadAndInstall(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(PackageFactory.notesMigrations.prefix(1))), id: "notes")
        host.berth.stop()

        let folder = host.home + "/.berth/addons/greeter"
        let install = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first)
        let library = folder + "/\(install)/lib/libGreeter.so"
        let handle = try #require(FileHandle(forWritingAtPath: library))
        handle.seekToEndOfFile()
        handle.write(Data([0x90]))
        try handle.close()

        try host.berth.start()
        let info = try host.berth.admin.send("GET", "/api/v1/addons/greeter")
        #expect(info.json["loaded"] as? Bool == false)
        let failure = info.json["failure"] as? String ?? ""
        #expect(failure.contains("installed_file_changed"), "\(failure)")
        #expect(failure.contains("lib/libGreeter.so"))
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/hello").status == 404)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/notes/version").text == "1.0.0")
    }

    @Test func keptDataFromANewerVersionIsRefusedByAnOlderOne() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let notes = PackageFactory.notesMigrations
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.0.0", migrations: Array(notes.prefix(1)))).status == 201)
        #expect(try host.upload(try host.packages.fixture(id: "notes", version: "1.1.0", migrations: Array(notes.prefix(2)))).status == 201)
        #expect(try host.install("notes", version: "1.1.0").status == 201)
        #expect(try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/notes?keep_data=true").status == 200)
        let refused = try host.install("notes", version: "1.0.0")
        #expect(refused.status == 422)
        #expect(refused.errorCode == "unknown_migrations")
        #expect(refused.errorMessage?.contains("0002_tags") == true, "\(refused.text)")
        #expect(try host.install("notes", version: "1.1.0").json["reusedData"] as? Bool == true)
    }
}
