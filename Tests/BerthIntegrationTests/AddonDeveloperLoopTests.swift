import BerthTestSupport
import Foundation
import Testing

/// The README's addon guide, followed in a folder outside the repository, in its five commands:
/// `addonctl new`, `swift test`, `addonctl keygen`, `addonctl dev --serve`, and a request to the
/// route. Then the loop itself: an edit is rebuilt and reinstalled under the same version with the
/// data kept, the addon's log lines are printed, `pack` refuses an addon.json that disagrees with
/// the Swift type, and `upgrade`, `uninstall` and `remove-package` finish the addon's life. One
/// build of the new package serves every check.
struct AddonDeveloperLoopTests {
    @Test(.timeLimit(.minutes(10)))
    func anAddonScaffoldedOutsideTheRepositoryIsTestedServedAndReinstalledOnEveryChange() throws {
        let workspace = try TemporaryDirectory("berth-addon-developer")
        defer { workspace.remove() }
        let addonctl = BuiltProducts.addonctl
        let folder = workspace.appending("field_notes")

        // 1. addonctl new: the package refers to its own copy of the SDK, not to this checkout.
        let created = try Command.run(addonctl, ["new", "field_notes"], directory: workspace.path)
        #expect(created.status == 0, "\(created.output)")
        let manifest = try String(contentsOfFile: folder + "/Package.swift", encoding: .utf8)
        #expect(!manifest.contains(BuiltProducts.repositoryRoot))
        #expect(try String(contentsOfFile: folder + "/.berth-sdk/VERSION", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "1.3.0")
        let sdkLinks = try FileManager.default.subpathsOfDirectory(atPath: folder + "/.berth-sdk").filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/.berth-sdk/" + $0)) != nil
        }
        #expect(sdkLinks.isEmpty, "the SDK copy must hold files, not links into the checkout: \(sdkLinks)")

        // 2. swift test: the generated tests pass as generated.
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_SDK"] = nil
        let tested = try Command.run("/usr/bin/env", ["swift", "test"], environment: environment, directory: folder)
        #expect(tested.status == 0, "\(tested.output.suffix(3000))")
        #expect(tested.output.contains("4 tests"), "\(tested.output.suffix(3000))")

        // 3. addonctl keygen, 4. addonctl dev --serve (a development host of its own).
        #expect(try Command.run(addonctl, ["keygen", "dev"], directory: folder).status == 0)
        let port = try BerthProcess.freePort()
        let dev = try BackgroundCommand(addonctl, ["dev", "--key", "dev.key", "--serve", "--port", String(port), "--interval", "0.2"], directory: folder, environment: environment)
        defer { dev.stop() }
        try dev.waitForOutput("installed field_notes 1.0.0", timeout: 240)
        let token = try #require(dev.output.range(of: #"admin token (dev-[0-9a-f-]+)"#, options: .regularExpression).map { String(dev.output[$0].dropFirst("admin token ".count)) })

        // 5. The route answers.
        let client = HTTPTestClient(port: port)
        #expect(try client.send("POST", "/api/v1/field_notes/items", body: Array("first note".utf8)).text == "added")
        #expect(try client.send("GET", "/api/v1/field_notes/items").text == "first note")
        try dev.waitForOutput("added an item")

        // An edit is rebuilt and reinstalled under the same version; the data stays.
        let source = folder + "/Sources/FieldNotes/FieldNotes.swift"
        let original = try String(contentsOfFile: source, encoding: .utf8)
        try original.replacingOccurrences(of: #"return .text("added", status: 201)"#, with: #"return .text("saved", status: 201)"#).write(toFile: source, atomically: true, encoding: .utf8)
        try dev.waitForOutput("reinstalled field_notes 1.0.0", timeout: 240)
        #expect(try client.send("POST", "/api/v1/field_notes/items", body: Array("second note".utf8)).text == "saved")
        #expect(try client.send("GET", "/api/v1/field_notes/items").text == "first note\nsecond note")
        let catalog = try HTTPTestClient(port: port, token: token).send("GET", "/api/v1/marketplace/packages").json["packages"] as? [Any]
        #expect(catalog?.count == 1, "one catalog entry for the one version, replaced on each reinstall")
        dev.stop()

        // pack refuses an addon.json whose version differs from the Swift type's.
        let addonJSON = folder + "/addon.json"
        let json = try String(contentsOfFile: addonJSON, encoding: .utf8)
        try json.replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "1.0.1""#).write(toFile: addonJSON, atomically: true, encoding: .utf8)
        let mismatched = try Command.run(addonctl, ["pack", ".", "--key", "dev.key", "--out", workspace.path], directory: folder)
        #expect(mismatched.status != 0)
        #expect(mismatched.output.contains("version '1.0.1' in addon.json but '1.0.0' in the Swift type"), "\(mismatched.output.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: workspace.appending("field_notes-1.0.1.berth")))

        // upgrade, uninstall and remove-package, against a host that keeps the catalog.
        let host = BerthProcess(home: workspace.appending("host"), environment: ["BERTH_TRUSTED_KEYS": folder + "/dev.pub"])
        try host.start()
        defer { host.stop() }
        let admin = ["--url", "http://127.0.0.1:\(host.port)", "--token", host.token]
        try json.write(toFile: addonJSON, atomically: true, encoding: .utf8)
        #expect(try Command.run(addonctl, ["pack", ".", "--key", "dev.key", "--out", workspace.path], directory: folder).status == 0)
        let installed = try Command.run(addonctl, ["install", workspace.appending("field_notes-1.0.0.berth")] + admin)
        #expect(installed.status == 0, "\(installed.output)")
        #expect(try host.anonymous.send("POST", "/api/v1/field_notes/items", body: Array("kept".utf8)).status == 201)
        try json.replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "1.1.0""#).write(toFile: addonJSON, atomically: true, encoding: .utf8)
        try original.replacingOccurrences(of: #"var version: String { "1.0.0" }"#, with: #"var version: String { "1.1.0" }"#).write(toFile: source, atomically: true, encoding: .utf8)
        #expect(try Command.run(addonctl, ["pack", ".", "--key", "dev.key", "--out", workspace.path], directory: folder).status == 0)
        let upgraded = try Command.run(addonctl, ["upgrade", workspace.appending("field_notes-1.1.0.berth")] + admin)
        #expect(upgraded.status == 0, "\(upgraded.output)")
        #expect(try host.admin.send("GET", "/api/v1/addons/field_notes").json["version"] as? String == "1.1.0")
        #expect(try host.anonymous.send("GET", "/api/v1/field_notes/items").text == "kept")
        let stillInstalled = try Command.run(addonctl, ["remove-package", "field_notes", "1.1.0"] + admin)
        #expect(stillInstalled.status != 0)
        #expect(stillInstalled.output.contains("package_installed"), "\(stillInstalled.output)")
        #expect(try Command.run(addonctl, ["remove-package", "field_notes", "1.0.0"] + admin).status == 0)
        let uninstalled = try Command.run(addonctl, ["uninstall", "field_notes"] + admin)
        #expect(uninstalled.status == 0, "\(uninstalled.output)")
        #expect(try host.anonymous.send("GET", "/api/v1/field_notes/items").status == 404)
        #expect(try Command.run(addonctl, ["remove-package", "field_notes", "1.1.0"] + admin).status == 0)
        let emptied = try host.admin.send("GET", "/api/v1/marketplace/packages").json["packages"] as? [Any]
        #expect(emptied?.isEmpty == true)
    }
}

/// A program left running while the test drives it, its output collected in a file.
final class BackgroundCommand: @unchecked Sendable {
    private let process = Process()
    private let outputFile: String

    init(_ executable: String, _ arguments: [String], directory: String, environment: [String: String]) throws {
        outputFile = directory + "/.build/background-\(UUID().uuidString.prefix(8)).log"
        try FileManager.default.createDirectory(atPath: directory + "/.build", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }

    /// Waits until the output holds `text`; fails when the program exits or time runs out.
    func waitForOutput(_ text: String, timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return }
            guard process.isRunning else { throw BackgroundCommandError("the program exited (\(process.terminationStatus)) before printing '\(text)': \(output.suffix(3000))") }
            usleep(50_000)
        }
        throw BackgroundCommandError("no '\(text)' within \(timeout) s: \(output.suffix(3000))")
    }

    /// Interrupts the program (it stops its development host) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        process.waitUntilExit()
    }
}

struct BackgroundCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
