import BerthTestSupport
import Foundation
import Testing

/// An addon that passes the probe and then crashes the worker installing it, in its entry, in
/// `routes()` or in `start()`: the install is answered with a 502 naming the addon and the step, the
/// supervisor undoes the change from its journal, nothing of the addon is left, and a reinstall of
/// the same id works.
struct WorkerCrashDuringChangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let step: String
        var testDescription: String { "\(id) crashes at step \(step)" }
    }

    static let cases = [Case(id: "crash_create", step: "load"), Case(id: "crash_routes", step: "mount"), Case(id: "crash_start", step: "start")]

    @Test(arguments: cases)
    func aCrashAfterTheProbeIsAnsweredUndoneAndLeavesNothing(_ testCase: Case) throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        let id = testCase.id
        let migrations = Array(PackageFactory.notesMigrations.prefix(1))
        let crashing = try host.packages.fixture(id: id, version: "1.0.0", migrations: migrations, product: "FixtureWorkerCrashAddon")
        let uploaded = try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: crashing))))
        #expect(uploaded.status == 201, "\(uploaded.text)")

        let installed = try host.admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": id])
        #expect(installed.status == 502, "\(installed.status) \(installed.text)")
        #expect(installed.errorCode == "addon_crashed")
        #expect(installed.errorMessage?.contains(id) == true, "\(installed.text)")
        #expect(installed.errorMessage?.contains("install of \(id) at step \(testCase.step)") == true, "\(installed.text)")

        let home = host.berth.home
        try pollUntil("the journal of the crashed install is replayed", timeout: 20) {
            !FileManager.default.fileExists(atPath: home + "/.berth/journal.json")
        }
        #expect(!FileManager.default.fileExists(atPath: home + "/.berth/addons/\(id)"))
        #expect(!FileManager.default.fileExists(atPath: home + "/.berth/data/\(id).sqlite"))
        #expect(try host.admin.send("GET", "/api/v1/addons/\(id)").status == 404)
        try pollUntil("two workers serve", timeout: 20) { host.workerPIDs().count == 2 }

        // The same id installs cleanly from a package that does not crash.
        let healthy = try host.packages.fixture(id: id, version: "1.0.1", migrations: migrations)
        try host.uploadAndInstall(healthy, id: id)
        #expect(try host.anonymous.send("GET", "/api/v1/\(id)/version").text == "1.0.1")
    }
}
