import BerthTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The connection limits and the upload bound hold for the whole host under `berth serve
/// --workers 2`, whichever worker accepts a connection, and a crashed worker's share is handed back.
struct HostWideLimitsTests {
    /// `count` connections that each sent part of a head (so they wait in a worker's gate).
    static func openWaiting(_ count: Int, port: Int, from source: String? = nil) throws -> [RawSocket] {
        try (0 ..< count).map { _ in
            let socket = try RawSocket(port: port, from: source, timeoutSeconds: 5)
            _ = socket.send("GET /health HTTP/1.1\r\nHost: x\r\n")
            return socket
        }
    }

    /// The indices of `sockets` that have something to read (a refusal, or the close after it).
    static func answered(_ sockets: [RawSocket]) -> Set<Int> {
        var readable = Set<Int>()
        for (index, socket) in sockets.enumerated() {
            var probe = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 0) > 0 { readable.insert(index) }
        }
        return readable
    }

    /// Waits until exactly `refused` of `sockets` were answered 503 `too_many_connections`, then
    /// completes the heads of the others and expects each to be served.
    static func expectRefusedThenServed(_ sockets: [RawSocket], refused: Int) throws {
        try pollUntil("\(refused) connections are refused", timeout: 15) { answered(sockets).count >= refused }
        let refusedIndices = answered(sockets)
        #expect(refusedIndices.count == refused, "\(refusedIndices.count) of \(sockets.count) refused, the limit admits \(sockets.count - refused)")
        for index in refusedIndices {
            let head = sockets[index].readHead() ?? ""
            #expect(head.hasPrefix("HTTP/1.1 503"), "\(head)")
        }
        for (index, socket) in sockets.enumerated() where !refusedIndices.contains(index) {
            _ = socket.send("\r\n")
            let head = socket.readHead() ?? "no answer"
            #expect(head.hasPrefix("HTTP/1.1 200"), "an admitted connection is served: \(head)")
        }
    }

    /// The worker whose gate holds the server's end of `socket`: the `/proc/net/tcp` entry whose
    /// peer is the socket's local port names the inode, which one worker has among its descriptors.
    static func worker(holding socket: RawSocket, port: Int, workers: Set<Int32>) -> Int32? {
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.descriptor, $0, &length) } }
        let clientPort = String(format: "%04X", Int(UInt16(bigEndian: local.sin_port)))
        let serverPort = String(format: "%04X", port)
        var inode: String?
        for line in SupervisedHost.procFile("/proc/net/tcp").split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(":" + serverPort), fields[2].hasSuffix(":" + clientPort) else { continue }
            inode = String(fields[9])
        }
        guard let inode else { return nil }
        for pid in workers {
            let folder = "/proc/\(pid)/fd"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + name)) == "socket:[\(inode)]" { return pid }
            }
        }
        return nil
    }

    /// Whether every thread of `pid` is stopped (state `T`): a SIGSTOP takes effect a moment
    /// after `kill` returns.
    static func isStopped(_ pid: Int32) -> Bool {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return !tasks.isEmpty && tasks.allSatisfy { task in
            let stat = SupervisedHost.procFile("/proc/\(pid)/task/\(task)/stat")
            guard let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
        }
    }

    /// Opens `perWorker` waiting connections on each worker: the others are stopped (SIGSTOP) while
    /// one worker's connections are opened, so that it is the one accepting them.
    static func holdEvenly(_ perWorker: Int, on host: SupervisedHost, from source: String? = nil) throws -> [RawSocket] {
        let port = host.berth.port
        let workers = host.workerPIDs()
        var held: [RawSocket] = []
        for worker in workers {
            let others = workers.subtracting([worker])
            for other in others { kill(other, SIGSTOP) }
            defer { for other in others { kill(other, SIGCONT) } }
            try pollUntil("the other workers are stopped", timeout: 10) { others.allSatisfy(isStopped) }
            let sockets = try openWaiting(perWorker, port: port, from: source)
            do {
                try pollUntil("worker \(worker) accepts \(perWorker) connections", timeout: 10) {
                    sockets.allSatisfy { Self.worker(holding: $0, port: port, workers: [worker]) == worker }
                }
            } catch {
                let now = host.workerPIDs()
                Issue.record("workers \(workers), now \(now); holders: \(sockets.map { Self.worker(holding: $0, port: port, workers: now) as Any }); answered: \(answered(sockets))")
                throw error
            }
            held += sockets
        }
        return held
    }

    @Test func theTotalConnectionLimitHoldsForTheHostNotPerWorker() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_MAX_CONNECTIONS": "6", "BERTH_MAX_CONNECTIONS_PER_ADDRESS": "0", "BERTH_HEAD_TIMEOUT": "60"])
        defer { host.close() }
        // 3 on each worker: the host is at its limit of 6, each worker at half of it.
        let held = try Self.holdEvenly(3, on: host)
        let more = try Self.openWaiting(6, port: host.berth.port)
        try Self.expectRefusedThenServed(held + more, refused: 6)
    }

    @Test func thePerAddressLimitHoldsForTheHostAndOtherAddressesAreServed() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_MAX_CONNECTIONS_PER_ADDRESS": "4", "BERTH_HEAD_TIMEOUT": "60"])
        defer { host.close() }
        let held = try Self.holdEvenly(2, on: host, from: "127.0.0.2")
        let more = try Self.openWaiting(4, port: host.berth.port, from: "127.0.0.2")
        try pollUntil("4 more connections from 127.0.0.2 are refused", timeout: 15) { Self.answered(more).count >= 4 }
        for socket in more {
            let head = socket.readHead() ?? ""
            #expect(head.hasPrefix("HTTP/1.1 503"), "\(head)")
        }
        let other = try host.anonymous.send("GET", "/health")
        #expect(other.status == 200, "another address is still served")
        for socket in held {
            _ = socket.send("\r\n")
            #expect(socket.readHead()?.hasPrefix("HTTP/1.1 200") == true, "a held connection is served")
        }
    }

    @Test func concurrentUploadsBeyondTheBoundAreRefusedOnEveryWorker() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_MAX_CONCURRENT_UPLOADS": "1"])
        defer { host.close() }
        let port = host.berth.port
        var holder: RawSocket? = try RawSocket(port: port)
        _ = holder?.send(UploadAdmissionTests.uploadHead(port: port, length: 10 << 20, token: host.berth.token))
        _ = holder?.send([UInt8](repeating: 1, count: 4096))
        let home = host.berth.home
        try pollUntil("the held upload is being spooled", timeout: 10) { UploadAdmissionTests.spooledBytes(home) > 0 }
        // Each attempt opens a connection of its own, which either worker may accept.
        var statuses: [Int] = []
        for _ in 0 ..< 8 {
            statuses.append(try host.admin.send("POST", "/api/v1/marketplace/packages", body: [1, 2, 3]).status)
        }
        #expect(statuses == Array(repeating: 503, count: 8), "\(statuses)")
        holder = nil
        var status = 0
        try pollUntil("the next upload is examined once the held one is gone", timeout: 10) {
            status = try host.admin.send("POST", "/api/v1/marketplace/packages", body: [1, 2, 3]).status
            return status != 503
        }
        #expect(status == 422 || status == 400, "\(status)")
    }

    @Test func twoUploadsCannotBothCountOnTheSameFreeSpace() throws {
        // The reserve leaves 4 GiB for uploads: one announcing 3 GiB fits, a second announcing
        // 2 GiB while it is received does not (1 GiB of slack for other writers on the disk).
        let folder = try TemporaryDirectory("berth-reserve")
        defer { folder.remove() }
        var stats = statvfs()
        #expect(statvfs(folder.path, &stats) == 0)
        let freeMiB = Int((UInt64(stats.f_bavail) * UInt64(stats.f_frsize)) >> 20)
        guard freeMiB > 6 << 10 else {
            Issue.record("the test needs more than 6 GiB free, \(freeMiB) MiB are")
            return
        }
        let host = try SupervisedHost(workers: 2, environment: [
            "BERTH_MIN_FREE_MB": String(freeMiB - (4 << 10)), "BERTH_MAX_PACKAGE_BYTES": String(4 << 30),
        ])
        defer { host.close() }
        let port = host.berth.port
        let holder = try RawSocket(port: port)
        _ = holder.send(UploadAdmissionTests.uploadHead(port: port, length: 3 << 30, token: host.berth.token))
        _ = holder.send([UInt8](repeating: 1, count: 4096))
        let home = host.berth.home
        try pollUntil("the 3 GiB upload is being spooled", timeout: 10) { UploadAdmissionTests.spooledBytes(home) > 0 }
        let second = try RawSocket(port: port)
        _ = second.send(UploadAdmissionTests.uploadHead(port: port, length: 2 << 30, token: host.berth.token))
        let head = second.readHead() ?? "no answer"
        #expect(head.hasPrefix("HTTP/1.1 507"), "\(head)")
    }

    @Test func aCrashedWorkersConnectionsAreHandedBack() throws {
        let host = try SupervisedHost(workers: 2, environment: ["BERTH_MAX_CONNECTIONS": "4", "BERTH_MAX_CONNECTIONS_PER_ADDRESS": "0", "BERTH_HEAD_TIMEOUT": "60"])
        defer { host.close() }
        let port = host.berth.port
        let workers = host.workerPIDs()
        let held = try Self.holdEvenly(2, on: host)
        let fifth = try Self.openWaiting(1, port: port)
        try pollUntil("the fifth connection is refused", timeout: 15) { Self.answered(fifth).count == 1 }
        // The crashed worker never gives its 2 places back; its replacement must reclaim them.
        guard let crashed = Self.worker(holding: held[0], port: port, workers: workers) else {
            Issue.record("no worker holds the first connection")
            return
        }
        let survivors = held.filter { Self.worker(holding: $0, port: port, workers: workers) != crashed }
        kill(crashed, SIGKILL)
        try pollUntil("a new worker replaces the crashed one", timeout: 30) {
            let now = host.workerPIDs()
            return now.count == 2 && !now.contains(crashed)
        }
        // The survivor still holds 2 of the 4 places: 2 more are admitted, the third is refused.
        let fresh = try Self.openWaiting(3, port: port)
        try Self.expectRefusedThenServed(fresh, refused: 1)
        for socket in survivors {
            _ = socket.send("\r\n")
            #expect(socket.readHead()?.hasPrefix("HTTP/1.1 200") == true, "the survivor's connections are served")
        }
    }
}
