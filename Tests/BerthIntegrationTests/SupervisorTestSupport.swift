import BerthTestSupport
import Foundation
import Glibc
import Synchronization

/// A real `berth serve --workers N` on a fresh home, with what the supervisor tests look at: the
/// worker processes and the files they map.
final class SupervisedHost: @unchecked Sendable {
    // `@unchecked Sendable`: the stored properties are immutable; BerthProcess is used in sequence.
    let folder: TemporaryDirectory
    let packages: PackageFactory
    let berth: BerthProcess

    /// Starts a supervisor with `workers` workers; returns once `/health` answers.
    init(workers: Int, environment: [String: String] = [:]) throws {
        folder = try TemporaryDirectory("berth-sup")
        packages = try PackageFactory(folder: folder.appending("keys"))
        var environment = environment
        environment["BERTH_TRUSTED_KEYS"] = packages.publicKeyFile
        environment["BERTH_THREADS"] = environment["BERTH_THREADS"] ?? "2"
        berth = BerthProcess(home: folder.appending("home"), environment: environment, workers: workers)
        try berth.start()
        try pollUntil("\(workers) workers serve", timeout: 20) { self.workerPIDs().count == workers }
    }

    /// Stops the host and deletes the folder; with `BERTH_TEST_SHOW_LOG` set, prints the host's log first.
    func close() {
        berth.stop()
        if ProcessInfo.processInfo.environment["BERTH_TEST_SHOW_LOG"] != nil { print(berth.tail(400)) }
        folder.remove()
    }

    var admin: HTTPTestClient { berth.admin }
    var anonymous: HTTPTestClient { berth.anonymous }

    /// Uploads `archive` and installs `id`, expecting both to succeed.
    func uploadAndInstall(_ archive: String, id: String) throws {
        let uploaded = try admin.send("POST", "/api/v1/marketplace/packages", body: Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
        guard uploaded.status == 201 || uploaded.status == 200 else { throw SupervisedHostFailure("upload of \(id): \(uploaded.status) \(uploaded.text)") }
        let installed = try admin.sendJSON("POST", "/api/v1/marketplace/install", ["id": id])
        guard installed.status == 201 else { throw SupervisedHostFailure("install of \(id): \(installed.status) \(installed.text)") }
    }

    /// The supervisor's children: its workers (and, during an install, the probe).
    func workerPIDs() -> Set<Int32> {
        Self.children(of: berth.pid)
    }

    /// The supervisor and its children that map a file whose path contains `fragment`.
    func processesMapping(_ fragment: String) -> [Int32] {
        ([berth.pid] + workerPIDs()).filter { Self.procFile("/proc/\($0)/maps").contains(fragment) }
    }

    /// A `/proc` file read to its end. `String(contentsOfFile:)` stops after the first read (about
    /// 4 KB), since the kernel reports these files' size as 0.
    /// Plain read(2): the process may exit meanwhile (ESRCH), which FileHandle turns into a trap.
    static func procFile(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { Glibc.close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[0 ..< count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The children of `parent`, from `/proc/*/stat`.
    static func children(of parent: Int32) -> Set<Int32> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children = Set<Int32>()
        for entry in entries {
            guard let pid = Int32(entry) else { continue }
            let stat = procFile("/proc/\(entry)/stat")
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so parse after the last ')'.
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == parent, fields[0] != "Z" { children.insert(pid) }
        }
        return children
    }
}

/// Polls `condition` every 20 ms until it holds, or throws naming `what` after `timeout` seconds.
/// - Returns: the seconds it took.
@discardableResult
func pollUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) throws -> Double {
    let start = Date()
    while Date().timeIntervalSince(start) < timeout {
        if try condition() { return Date().timeIntervalSince(start) }
        usleep(20_000)
    }
    throw SupervisedHostFailure("timed out after \(timeout) s waiting until \(what)")
}

struct SupervisedHostFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Threads that request `paths` in a loop, one connection per request, counting every answer that
/// is not a 200 as a failure.
final class RouteLoad: Sendable {
    struct Counts {
        var ok = 0
        var failed = 0
        var failures: [String] = []
    }

    let counts = Mutex(Counts())
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Int>(0)
    private let threads: Int

    /// Starts one thread per path.
    init(port: Int, paths: [String]) {
        threads = paths.count
        for path in paths {
            Thread { [self] in
                let client = HTTPTestClient(port: port)
                while running.load(ordering: .relaxed) {
                    let reply: HTTPTestClient.Reply?
                    var problem = "no answer"
                    do { reply = try client.send("GET", path, timeout: 10) } catch {
                        reply = nil
                        problem = "\(error)"
                    }
                    counts.withLock { counts in
                        if reply?.status == 200 { counts.ok += 1 } else {
                            counts.failed += 1
                            if counts.failures.count < 20 {
                                counts.failures.append("\(Date()) \(path): \(reply.map { "\($0.status) \($0.text.prefix(160))" } ?? problem)")
                            }
                        }
                    }
                }
                finished.wrappingAdd(1, ordering: .relaxed)
            }.start()
        }
    }

    /// Stops the threads and returns the counts.
    func stop() -> Counts {
        running.store(false, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < threads { usleep(10_000) }
        return counts.withLock { $0 }
    }
}

/// Threads that send `requests` in a loop, one connection per request, counting answers by status:
/// for load across a change where 404 is expected once the addon is gone. POST bodies are unique,
/// so acknowledged writes can be counted.
final class StatusLoad: Sendable {
    struct Counts {
        var byStatus: [Int: Int] = [:]
        /// Answers that are neither 2xx nor 404, and missing answers.
        var unexpected: [String] = []
        /// Answers other than 404 to requests sent after ``StatusLoad/markChangeAnswered()``.
        var servedAfterMark = 0
        /// POSTs answered 201.
        var created = 0
        var failures: [String] = []
        /// The distinct bodies of 2xx answers, kept only when the load was asked to.
        var answers: Set<String> = []
    }

    let counts = Mutex(Counts())
    private let running = Atomic<Bool>(true)
    private let threads: Int
    private let finished = Atomic<Int>(0)
    private let marked = Atomic<Bool>(false)
    private let keepsAnswers: Bool

    /// One thread per request; with `keepingAnswers`, the distinct 2xx bodies are kept too.
    init(port: Int, requests: [(method: String, path: String)], keepingAnswers: Bool = false) {
        threads = requests.count
        keepsAnswers = keepingAnswers
        for (index, request) in requests.enumerated() {
            Thread { [self] in
                let client = HTTPTestClient(port: port)
                var sequence = 0
                while running.load(ordering: .relaxed) {
                    sequence += 1
                    let body = request.method == "POST" ? Array("w\(index)-\(sequence)".utf8) : []
                    let afterMark = marked.load(ordering: .acquiring)
                    let reply = try? client.send(request.method, request.path, body: body, timeout: 10)
                    record(reply, request, afterMark: afterMark)
                }
                finished.wrappingAdd(1, ordering: .relaxed)
            }.start()
        }
    }

    /// From now on, requests are expected to get 404 (the change that removes the addon answered).
    func markChangeAnswered() {
        marked.store(true, ordering: .releasing)
    }

    private func record(_ reply: HTTPTestClient.Reply?, _ request: (method: String, path: String), afterMark: Bool) {
        counts.withLock { counts in
            guard let reply else {
                counts.unexpected.append("\(request.method) \(request.path): no answer")
                return
            }
            counts.byStatus[reply.status, default: 0] += 1
            if afterMark, reply.status != 404 { counts.servedAfterMark += 1 }
            if reply.status == 201 { counts.created += 1 }
            let success = (200 ..< 300).contains(reply.status)
            if success, keepsAnswers { counts.answers.insert(reply.text) }
            if !success, reply.status != 404, counts.unexpected.count < 20 {
                counts.unexpected.append("\(request.method) \(request.path): \(reply.status) \(reply.text.prefix(160))")
            }
            if !success, counts.failures.count < 20 {
                counts.failures.append("\(request.method) \(request.path): \(reply.status) \(reply.text.prefix(160))")
            }
        }
    }

    /// Answers received so far.
    var answered: Int { counts.withLock { $0.byStatus.values.reduce(0, +) } }

    /// Waits until `count` answers came.
    func waitForAnswers(_ count: Int) throws {
        try pollUntil("\(count) answers under load", timeout: 30) { answered >= count }
    }

    /// Stops the threads, waits for each to end its last request, and returns the counts.
    func stop() -> Counts {
        running.store(false, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < threads { usleep(5_000) }
        return counts.withLock { $0 }
    }
}
