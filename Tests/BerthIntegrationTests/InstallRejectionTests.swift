import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// Packages that verify but must not run are refused at install with their exact cause, and the
/// failed install leaves the home exactly as before: no tables, no files, no registry entry.
struct InstallRejectionTests {
    /// Uploads `archive`, then expects its install to fail with `code` and change nothing.
    @discardableResult
    func expectInstallRefused(_ host: IntegrationHost, _ archive: String, id: String, status: Int = 422, code: String, mentioning details: [String] = []) throws -> HTTPTestClient.Reply {
        let uploaded = try host.upload(archive)
        #expect(uploaded.status == 201, "\(uploaded.text)")
        let before = host.snapshot()
        let reply = try host.install(id)
        #expect(reply.status == status, "\(reply.text)")
        #expect(reply.errorCode == code, "\(reply.text)")
        for detail in details { #expect(reply.errorMessage?.contains(detail) == true, "\(reply.text)") }
        #expect(host.snapshot().difference(from: before) == [])
        #expect(try host.berth.admin.send("GET", "/api/v1/addons/\(id)").status == 404)
        #expect(try host.berth.anonymous.send("GET", "/health").status == 200)
        return reply
    }

    @Test func aTruncatedLibraryIsRefusedAndTheHostKeepsServing() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let original = try Data(contentsOf: URL(fileURLWithPath: BuiltProducts.library("Greeter")))
        let truncated = host.folder.appending("libGreeter.so")
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: truncated))
        let archive = try host.packages.make(id: "greeter", product: "Greeter", library: truncated, mountPrefix: "/api/v1/greet")
        try expectInstallRefused(host, archive, id: "greeter", code: "not_shared_object", mentioning: ["truncated"])
    }

    @Test func anAddonThatCrashesInItsEntryIsContainedByTheProbe() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "fixture_crashing", product: "FixtureCrashingAddon", mountPrefix: "/api/v1/crash")
        try expectInstallRefused(host, archive, id: "fixture_crashing", code: "probe_crashed", mentioning: ["signal"])
    }

    @Test func aLibraryWithAnotherABIVersionIsRefusedNamingBothVersions() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "fixture_abi", product: "FixtureWrongABIAddon", mountPrefix: "/api/v1/abi")
        try expectInstallRefused(host, archive, id: "fixture_abi", code: "abi_mismatch", mentioning: ["99", "supports version 1"])
    }

    @Test func aLibraryBuiltWithAnotherToolchainIsRefusedNamingBothToolchains() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "fixture_old", product: "FixtureOldToolchainAddon", mountPrefix: "/api/v1/old")
        try expectInstallRefused(host, archive, id: "fixture_old", code: "toolchain_mismatch", mentioning: ["5.10.1"])
    }

    @Test func aManifestDeclaringAnotherToolchainIsRefusedBeforeAnythingIsWritten() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet") { $0.toolchain = "5.9.2" }
        try expectInstallRefused(host, archive, id: "greeter", code: "toolchain_mismatch", mentioning: ["5.9.2", "this host was built with Swift"])
    }

    @Test func aPrefixThatOverlapsAnotherAddonIsRefusedWith409NamingTheHolder() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        _ = try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        let archive = try host.packages.make(id: "ai_chatbot", version: "1.1.0", product: "AIChatbot", mountPrefix: "/api/v1/greet/chat")
        try expectInstallRefused(host, archive, id: "ai_chatbot", status: 409, code: "prefix_conflict", mentioning: ["addon greeter", "/api/v1/greet"])
    }

    @Test func aPrefixInsideTheHostsOwnRoutesIsRefusedWith409() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/addons/greeter")
        try expectInstallRefused(host, archive, id: "greeter", status: 409, code: "prefix_conflict", mentioning: ["the host"])
    }

    @Test func aFailingUpMigrationIsRolledBackCompletely() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.make(id: "greeter", product: "Greeter", mountPrefix: "/api/v1/greet", migrations: [
            ("0001_create_greetings", "CREATE TABLE greetings (name TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0);", "DROP TABLE greetings;"),
            ("0002_broken", "CREATE TABLE audit (x INTEGER); INSERT INTO no_such_table VALUES (1);", "DROP TABLE audit;"),
        ])
        try expectInstallRefused(host, archive, id: "greeter", code: "migration_failed", mentioning: ["0002_broken", "no_such_table"])
        #expect(!FileManager.default.fileExists(atPath: host.home + "/.berth/data/greeter.sqlite"))
        #expect(try host.berth.anonymous.send("GET", "/api/v1/greet/ada").status == 404)
    }

    @Test func invalidConfigurationIsRefusedListingEveryViolation() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.upload(try host.packages.packExample("greeter", product: "Greeter")).status == 201)
        let before = host.snapshot()
        let reply = try host.install("greeter", config: ["greeting": String(repeating: "x", count: 41), "punctuation": 3])
        #expect(reply.status == 422)
        #expect(reply.errorCode == "invalid_config")
        let violations = ((reply.json["error"] as? [String: Any])?["violations"] as? [[String: Any]]) ?? []
        #expect(Set(violations.compactMap { $0["pointer"] as? String }) == ["/greeting", "/punctuation"])
        #expect(host.snapshot().difference(from: before) == [])
    }
}
