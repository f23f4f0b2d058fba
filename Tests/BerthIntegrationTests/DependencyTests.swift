import BerthTestSupport
import Testing

/// Dependencies are resolved at install and upgrade, protected at uninstall, and every refusal
/// explains what to do: which requirement, what is installed, what the catalog offers.
struct DependencyTests {
    func host() throws -> IntegrationHost {
        let host = try IntegrationHost()
        let notes = PackageFactory.notesMigrations
        for (version, count) in [("1.0.0", 1), ("1.1.0", 2)] {
            #expect(try host.upload(try host.packages.fixture(id: "notes", version: version, migrations: Array(notes.prefix(count)))).status == 201)
        }
        let reports = try host.packages.fixture(id: "reports", version: "1.0.0", migrations: [("0001_items", "CREATE TABLE items (name TEXT);", "DROP TABLE items;")], dependencies: ["notes": ">=1.1.0 <2.0.0"])
        #expect(try host.upload(reports).status == 201)
        return host
    }

    @Test func aMissingDependencyIsExplainedWithTheCandidates() throws {
        let host = try host()
        defer { host.close() }
        let refused = try host.install("reports")
        #expect(refused.status == 422)
        #expect(refused.errorCode == "dependency_unsatisfied")
        let message = refused.errorMessage ?? ""
        #expect(message.contains("reports 1.0.0 requires notes >=1.1.0 <2.0.0"), "\(message)")
        #expect(message.contains("not installed"))
        #expect(message.contains("the catalog has 1.0.0, 1.1.0"))
        #expect(message.contains("install notes 1.1.0 first"))
    }

    @Test func anInstalledDependencyOutOfRangeIsExplainedWithTheUpgradeToDo() throws {
        let host = try host()
        defer { host.close() }
        #expect(try host.install("notes", version: "1.0.0").status == 201)
        let refused = try host.install("reports")
        #expect(refused.errorCode == "dependency_unsatisfied")
        #expect(refused.errorMessage?.contains("notes 1.0.0 is installed") == true, "\(refused.text)")
        #expect(refused.errorMessage?.contains("upgrade notes to 1.1.0 first") == true)
        #expect(try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.1.0"]).status == 200)
        #expect(try host.install("reports").status == 201)
    }

    @Test func uninstallingADependencyIsRefusedNamingTheDependentsUnlessCascaded() throws {
        let host = try host()
        defer { host.close() }
        #expect(try host.install("notes", version: "1.1.0").status == 201)
        #expect(try host.install("reports").status == 201)

        let refused = try host.uninstall("notes")
        #expect(refused.status == 409)
        #expect(refused.errorCode == "has_dependents")
        #expect(refused.errorMessage?.contains("reports (needs notes >=1.1.0 <2.0.0)") == true, "\(refused.text)")

        let downgrade = try host.berth.admin.sendJSON("POST", "/api/v1/addons/notes/upgrade", ["version": "1.0.0", "force": true])
        #expect(downgrade.errorCode == "breaks_dependents", "\(downgrade.text)")

        let cascaded = try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/notes?cascade=true")
        #expect(cascaded.status == 200, "\(cascaded.text)")
        let dependents = cascaded.json["cascaded"] as? [[String: Any]] ?? []
        #expect(dependents.map { $0["id"] as? String } == ["reports"])
        #expect(dependents.first?["residue"] as? [String] == [])
        #expect(cascaded.json["residue"] as? [String] == [])
        #expect((try host.berth.admin.send("GET", "/api/v1/addons").json["addons"] as? [Any])?.isEmpty == true)
    }
}
