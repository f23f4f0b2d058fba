import Foundation
import Glibc

/// The real `berth` binary serving a home on a free loopback port.
public final class BerthProcess: @unchecked Sendable {
    // `@unchecked Sendable`: `process` is only replaced by start/stop, which tests call in sequence.
    /// The home folder.
    public let home: String
    /// The admin token.
    public let token: String
    /// Extra environment for the process; changes apply at the next start.
    public var environment: [String: String]
    /// `berth serve --workers`: 0 (the default) serves in one process; N runs a supervisor and N
    /// workers, and ``pid`` is the supervisor's.
    public var workers: Int
    /// The port it listens on.
    public private(set) var port: Int = 0
    private var process: Process?
    /// Standard output and error of every start, appended.
    public let logFile: String

    /// Prepares a host for `home`; nothing runs until ``start()``.
    public init(home: String, token: String = "test-token-\(UUID().uuidString.prefix(8))", environment: [String: String] = [:], workers: Int = 0) {
        self.home = home
        self.token = token
        self.environment = environment
        self.workers = workers
        self.logFile = home + ".log"
    }

    /// A client with the admin token.
    public var admin: HTTPTestClient { HTTPTestClient(port: port, token: token) }

    /// A client without a token.
    public var anonymous: HTTPTestClient { HTTPTestClient(port: port) }

    /// Starts the binary and waits until `/health` answers 200.
    public func start() throws {
        if port == 0 { port = try Self.freePort() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.berth)
        process.arguments = ["serve", "--workers", String(workers)]
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_HOME"] = home
        environment["BERTH_PORT"] = String(port)
        environment["BERTH_ADMIN_TOKEN"] = token
        environment["BERTH_THREADS"] = environment["BERTH_THREADS"] ?? "4"
        for (name, value) in self.environment { environment[name] = value }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile) { FileManager.default.createFile(atPath: logFile, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let reply = try? anonymous.send("GET", "/health", timeout: 2), reply.status == 200 { return }
            guard process.isRunning else { throw ClientError("berth exited with status \(process.terminationStatus): \(tail())") }
            usleep(20_000)
        }
        throw ClientError("berth did not answer /health within 20 s: \(tail())")
    }

    /// Waits up to `timeout` seconds for the process to exit by itself (e.g. an injected crash).
    /// - Returns: whether it exited.
    public func waitForExit(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if process?.isRunning != true { return true }
            usleep(10_000)
        }
        return false
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 15 s, so a hung host fails its test
    /// instead of hanging the suite).
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        if !waitForExit(timeout: 15) {
            Glibc.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// SIGKILL, as a crash would.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Whether the process still runs.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// The process id.
    public var pid: Int32 { process?.processIdentifier ?? 0 }

    /// The exit status once the process ended (the signal's number if a signal ended it).
    public var terminationStatus: Int32? {
        guard let process, !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// The last lines the host wrote.
    public func tail(_ lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw ClientError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
