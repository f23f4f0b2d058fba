import BerthTestSupport
import Foundation
import Testing

/// A generation of workers superseded while it starts (the installed set it loaded is gone before
/// it is ready) exits without taking a single request.
struct SupersededGenerationTests {
    @Test func aGenerationSupersededWhileItStartsNeverServesTheUpgradeThatWasUndone() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_ROLL_TIMEOUT": "1", "BERTH_START_TIMEOUT": "120"])
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.fixture(id: "slowpoke", version: "1.0.0"), id: "slowpoke")
        // Every start of 2.0.0 takes 3 s: the generation carrying it is not ready within the 1 s
        // roll, so the upgrade is undone and a generation with 1.0.0 replaces it while it starts.
        let second = try host.packages.fixture(id: "slowpoke", version: "2.0.0") { manifest in
            manifest.configSchema = .object(["type": .string("object"), "properties": .object([
                "startDelayMilliseconds": .object(["type": .string("integer"), "default": .number(3000)]),
            ])])
        }
        let uploaded = try host.admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: second))))
        try #require(uploaded.status == 201, "\(uploaded.text)")
        let lastGeneration = Self.generations(in: host.berth.tail(400), message: "starting a generation of workers").max() ?? 0
        let workersBefore = host.workerPIDs()

        let load = StatusLoad(port: host.berth.port, requests: Array(repeating: (method: "GET", path: "/api/v1/slowpoke/served-by"), count: 3), keepingAnswers: true)
        let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/slowpoke/upgrade", ["version": "2.0.0"])
        // The undo waits for every process that loaded 2.0.0 to let go of it, the superseded
        // generation included: once it answers, that generation has finished its start.
        let counts = load.stop()
        #expect(upgraded.status == 504, "\(upgraded.text)")
        #expect(upgraded.errorCode == "roll_timeout", "\(upgraded.text)")

        let log = host.berth.tail(400)
        let started = Self.generations(in: log, message: "starting a generation of workers").filter { $0 > lastGeneration }
        try #require(started.count >= 2, "a generation for 2.0.0 and one restoring 1.0.0: \(started)\n\(log)")
        let superseded = Set(started.dropLast())
        let serving = Set(Self.generations(in: log, message: "worker serving"))
        #expect(serving.isDisjoint(with: superseded), "a superseded generation served: \(serving.intersection(superseded))\n\(log)")
        // 2.0.0 answered only from the worker that ran the upgrade, before the undo swapped it back.
        let fromNewProcesses = counts.answers.filter { text in
            text.hasPrefix("2.0.0 ") && !workersBefore.contains(Int32(text.split(separator: " ").last ?? "") ?? -1)
        }
        #expect(fromNewProcesses.isEmpty, "2.0.0 served by processes started after the upgrade began: \(fromNewProcesses)")
        // 404 is an answer of the moment a swap leaves the route unmounted.
        #expect(counts.unexpected.isEmpty, "\(counts.unexpected)")
        #expect(try host.anonymous.send("GET", "/api/v1/slowpoke/version").text == "1.0.0")
    }

    /// The `generation` field of every log line whose message is `message`.
    private static func generations(in log: String, message: String) -> [Int] {
        log.split(separator: "\n").compactMap { line -> Int? in
            guard line.contains("\"message\":\"\(message)\""), let range = line.range(of: "\"generation\":\"") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
