import Foundation

/// The local development host `addonctl dev --serve` runs: `berth serve` with
/// `BERTH_DEV_MODE=1`, its home in the addon's `.build/berth-dev/home`, trusting the key the addon
/// is signed with, a fresh admin token, and its log in `.build/berth-dev/host.log`.
///
/// `@unchecked Sendable`: its fields are set once; `Process` may be terminated from the signal
/// handler's queue.
final class DevHost: @unchecked Sendable {
    let client: AdminClient
    let logPath: String
    private let process: Process

    private init(client: AdminClient, logPath: String, process: Process) {
        self.client = client
        self.logPath = logPath
        self.process = process
    }

    static func start(work: String, key: String, options: Options) throws -> DevHost {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let berth = options["berth"] ?? ProcessInfo.processInfo.environment["BERTH_BINARY"] ?? URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/berth"
        guard FileManager.default.isExecutableFile(atPath: berth) else {
            throw CLIError.usage("\(berth): no berth binary there; give --berth PATH (or BERTH_BINARY)")
        }
        let publicKey = (key as NSString).deletingPathExtension + ".pub"
        guard FileManager.default.fileExists(atPath: publicKey) else { throw CLIError("\(publicKey): not found beside \(key); the development host trusts it") }
        let port = options["port"] ?? "8080"
        let token = "dev-" + UUID().uuidString.lowercased()
        let logPath = work + "/host.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let logFile = FileHandle(forWritingAtPath: logPath) else { throw CLIError("\(logPath): cannot be written") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: berth)
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_DEV_MODE"] = "1"
        environment["BERTH_HOME"] = work + "/home"
        environment["BERTH_PORT"] = port
        environment["BERTH_ADMIN_TOKEN"] = token
        environment["BERTH_TRUSTED_KEYS"] = URL(fileURLWithPath: publicKey).standardizedFileURL.path
        process.environment = environment
        process.standardError = logFile
        process.standardOutput = logFile
        try FileManager.default.createDirectory(atPath: work + "/home", withIntermediateDirectories: true)
        do {
            try process.run()
        } catch {
            throw CLIError("cannot start \(berth): \(error)")
        }
        let host = DevHost(client: AdminClient(base: "http://127.0.0.1:\(port)", token: token), logPath: logPath, process: process)
        host.stopOnSignals()
        try host.waitUntilServing(port: port)
        print("development host (BERTH_DEV_MODE=1) serving on http://127.0.0.1:\(port), admin token \(token), log \(logPath)")
        fflush(nil)
        return host
    }

    private func waitUntilServing(port: String) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            guard process.isRunning else { throw CLIError("the development host exited with status \(process.terminationStatus); see \(logPath)") }
            if let data = try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/health")!), String(decoding: data, as: UTF8.self).contains("ok") { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw CLIError("the development host did not answer /health within 30 s; see \(logPath)")
    }

    /// Stops the host when addonctl is interrupted (Ctrl-C) or terminated, then exits.
    func stopOnSignals() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                stop()
                exit(0)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    private var signalSources: [any DispatchSourceSignal] = []

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
