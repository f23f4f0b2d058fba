import BerthTestSupport
import Foundation
import Synchronization
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

        let load = ServedByLoad(port: host.berth.port, path: "/api/v1/slowpoke/served-by", threads: 3)
        let upgraded = try host.admin.sendJSON("POST", "/api/v1/addons/slowpoke/upgrade", ["version": "2.0.0"])
        // The undo waits for every process that loaded 2.0.0 to let go of it, the superseded
        // generation included: once it answers, that generation has finished its start.
        let answers = load.stop()
        #expect(upgraded.status == 504, "\(upgraded.text)")
        #expect(upgraded.errorCode == "roll_timeout", "\(upgraded.text)")

        let log = host.berth.tail(400)
        let started = Self.generations(in: log, message: "starting a generation of workers").filter { $0 > lastGeneration }
        try #require(started.count >= 2, "a generation for 2.0.0 and one restoring 1.0.0: \(started)\n\(log)")
        let superseded = Set(started.dropLast())
        let serving = Set(Self.generations(in: log, message: "worker serving"))
        #expect(serving.isDisjoint(with: superseded), "a superseded generation served: \(serving.intersection(superseded))\n\(log)")
        // 2.0.0 answered only from the worker that ran the upgrade, before the undo swapped it back.
        let fromNewProcesses = answers.texts.filter { text in
            text.hasPrefix("2.0.0 ") && !workersBefore.contains(Int32(text.split(separator: " ").last ?? "") ?? -1)
        }
        #expect(fromNewProcesses.isEmpty, "2.0.0 served by processes started after the upgrade began: \(fromNewProcesses)")
        #expect(answers.failures.isEmpty, "\(answers.failures)")
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

/// Threads that GET one path in a loop, one connection per request, keeping every distinct answer.
private final class ServedByLoad: Sendable {
    struct Answers {
        var texts: Set<String> = []
        /// Answers other than 200 or 404 (the route is gone for a moment during a swap), and missing answers.
        var failures: [String] = []
    }

    private let answers = Mutex(Answers())
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Int>(0)
    private let threads: Int

    init(port: Int, path: String, threads: Int) {
        self.threads = threads
        for _ in 0 ..< threads {
            Thread { [self] in
                let client = HTTPTestClient(port: port)
                while running.load(ordering: .relaxed) {
                    let reply = try? client.send("GET", path, timeout: 10)
                    answers.withLock { answers in
                        guard let reply else { return answers.failures.append("no answer") }
                        if reply.status == 200 { answers.texts.insert(reply.text) }
                        if reply.status != 200, reply.status != 404, answers.failures.count < 20 {
                            answers.failures.append("\(reply.status) \(reply.text.prefix(160))")
                        }
                    }
                }
                finished.wrappingAdd(1, ordering: .relaxed)
            }.start()
        }
    }

    /// Stops the threads, waits for each to end its last request, and returns what they saw.
    func stop() -> Answers {
        running.store(false, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < threads { usleep(5_000) }
        return answers.withLock { $0 }
    }
}
