import BerthTraffic
import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accepts every connection itself and hands it to libmicrohttpd only once its first request head
/// has arrived whole, within ``ServerConfiguration/headTimeoutSeconds`` of the connection (a
/// trickle cannot extend it), from an address under its connection limit, and well framed
/// (``RequestFraming``).
///
/// Connections waiting for their head cost the polling threads nothing: they sit in this gate's
/// own epoll set, peeked (`MSG_PEEK`) so that libmicrohttpd later reads the head itself. A refusal
/// is one complete response written here, followed by the close. The work is per connection, not
/// per request: keep-alive requests after the first go straight to libmicrohttpd.
///
/// With ``Limits/host`` the connection limits are the host's: every worker takes its places from
/// the same shared table, so the (N+1)-th connection is refused whichever worker accepts it.
///
/// `@unchecked Sendable`: ``counts`` is behind its own lock and ``pending`` is touched only by the
/// gate's thread; the rest is immutable after ``start(daemon:)``.
final class ConnectionGate: @unchecked Sendable {
    /// The limits the gate applies.
    struct Limits {
        var totalConnections: Int
        var connectionsPerAddress: Int
        var headTimeout: Duration
        /// How long a kept-alive connection has, from the end of a request, until its next request
        /// head is whole (the idle timeout plus the head timeout); nil: not bounded here.
        var laterHeadTimeout: Duration?
        var maxHeadBytes: Int
        var framing: RequestFraming
        /// The host-wide counts the limits are taken from, shared with the other workers; nil:
        /// this process counts alone.
        var host: HostAdmissionTable?
    }

    let limits: Limits
    /// The connections handed over, between their requests; shared with the server.
    let ledger: ConnectionLedger
    private let listenDescriptor: Int32
    private let epoll: Int32
    private let wake: Int32
    private let clock = ContinuousClock()
    private let quiescing = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// Open connections in total and per address: those waiting here and those libmicrohttpd serves.
    let counts = Mutex(Counts())
    /// Connections waiting for their head, mirrored from ``pending`` for other threads.
    private let waiting = Atomic<Int>(0)
    /// When the last connection was handed over, in nanoseconds of the monotonic clock.
    private let lastHandOff = Atomic<Int64>(0)
    nonisolated(unsafe) private var daemon: OpaquePointer?
    nonisolated(unsafe) private var lanes: PollingLanes?
    nonisolated(unsafe) private var thread: pthread_t?
    private var pending: [Int32: Pending] = [:]
    private var listening = true
    private var buffer: UnsafeMutableRawBufferPointer

    struct Counts {
        var total = 0
        var perAddress: [PeerAddress: Int] = [:]
    }

    private struct Pending {
        var address: sockaddr_storage
        var length: socklen_t
        var peer: PeerAddress
        var deadline: ContinuousClock.Instant
        var serial: UInt64
        var scanned = 0
    }

    /// Deadlines in the order they were set, which is their order in time (every connection gets
    /// the same timeout): the nearest is the first still pending, found without a scan.
    private var deadlines: [(deadline: ContinuousClock.Instant, descriptor: Int32, serial: UInt64)] = []
    private var deadlinesStart = 0
    private var nextSerial: UInt64 = 0

    init(listenDescriptor: Int32, limits: Limits, ledger: ConnectionLedger) throws(SystemCallError) {
        self.listenDescriptor = listenDescriptor
        self.limits = limits
        self.ledger = ledger
        epoll = try SystemCallError.check("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            wake = try SystemCallError.check("eventfd") { eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK)) }
        } catch {
            close(epoll)
            throw error
        }
        buffer = .allocate(byteCount: max(1024, limits.maxHeadBytes), alignment: 8)
        watch(wake, events: EPOLLIN.rawValue)
        watch(listenDescriptor, events: EPOLLIN.rawValue)
    }

    deinit {
        close(epoll)
        close(wake)
        buffer.deallocate()
    }

    /// Starts the gate's thread, handing admitted connections to `daemon`.
    func start(daemon: OpaquePointer) throws(SystemCallError) {
        self.daemon = daemon
        try startThread()
    }

    /// Starts the gate's thread, handing admitted connections to the polling lanes.
    func start(lanes: PollingLanes) throws(SystemCallError) {
        self.lanes = lanes
        try startThread()
    }

    private func startThread() throws(SystemCallError) {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let gate = Unmanaged<ConnectionGate>.fromOpaque(context!).takeRetainedValue()
            gate.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<ConnectionGate>.fromOpaque(context).release()
            throw SystemCallError(call: "pthread_create", code: status)
        }
        self.thread = thread
    }

    /// Stops accepting (other processes on the same socket take the new connections); heads already
    /// arriving are still handed over.
    func quiesce() {
        quiescing.store(true, ordering: .sequentiallyConsistent)
        signal()
    }

    /// Stops the thread and closes the connections still waiting for their head; libmicrohttpd's
    /// are its own.
    func stop() {
        quiescing.store(true, ordering: .sequentiallyConsistent)
        stopping.store(true, ordering: .sequentiallyConsistent)
        signal()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    /// Whether no connection waits here for its head. A drain waits for this, then for
    /// ``ConnectionLedger/unstartedCount`` (the heads already handed over) and the active requests, in that order: a
    /// hand-over counts the connection as unstarted before it stops counting it as waiting.
    var isEmpty: Bool {
        waiting.load(ordering: .sequentiallyConsistent) == 0
    }

    /// Whether a connection was handed over in the last `window`: libmicrohttpd may not count it
    /// among its connections yet.
    func handedOver(within window: Duration) -> Bool {
        let nanoseconds = window.components.seconds * 1_000_000_000 + window.components.attoseconds / 1_000_000_000
        return Self.monotonicNanoseconds() - lastHandOff.load(ordering: .acquiring) < nanoseconds
    }

    /// Connections waiting here for their first head.
    var waitingCount: Int { waiting.load(ordering: .acquiring) }

    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// A connection libmicrohttpd served has closed.
    func released(_ peer: PeerAddress) {
        if let host = limits.host {
            host.closeConnection(addressHash: peer.sharedHash(seed: host.seed), perAddress: limits.connectionsPerAddress > 0)
        }
        counts.withLock { counts in
            counts.total -= 1
            if let count = counts.perAddress[peer] {
                counts.perAddress[peer] = count > 1 ? count - 1 : nil
            }
        }
    }

    // MARK: - The gate's thread

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var nextTick = clock.now + .milliseconds(ConnectionLedger.tickMilliseconds)
        while !stopping.load(ordering: .acquiring) {
            let ready = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), waitMilliseconds()) }
            if ready < 0 && errno != EINTR { break }
            for index in 0 ..< max(0, Int(ready)) {
                let descriptor = events[index].data.fd
                if descriptor == wake {
                    var value: UInt64 = 0
                    _ = read(wake, &value, 8)
                } else if descriptor == listenDescriptor {
                    acceptAll()
                } else {
                    examine(descriptor)
                }
            }
            if quiescing.load(ordering: .acquiring) && listening {
                _ = epoll_ctl(epoll, EPOLL_CTL_DEL, listenDescriptor, nil)
                listening = false
            }
            expire()
            if limits.laterHeadTimeout != nil, clock.now >= nextTick {
                nextTick = clock.now + .milliseconds(ConnectionLedger.tickMilliseconds)
                ledger.advanceTick()
                sweepLaterHeads()
            }
        }
        for descriptor in Array(pending.keys) { drop(descriptor) }
    }

    /// Ends, with a 408, each kept-alive connection whose next request head is overdue. The
    /// connection is libmicrohttpd's: shutting it down in both directions makes its polling thread
    /// see the end and close it (the ledger's claim keeps the descriptor from being reused meanwhile).
    private func sweepLaterHeads() {
        guard let timeout = limits.laterHeadTimeout else { return }
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let ticks = UInt32(clamping: milliseconds / Int64(ConnectionLedger.tickMilliseconds))
        ledger.sweep(olderThan: ticks) { descriptor in
            GateResponse.send(
                status: 408, code: "request_head_timeout",
                message: "The next request head on this connection did not arrive whole within \(timeout) of the previous response.",
                retryAfter: nil, on: descriptor
            )
            shutdown(descriptor, Int32(SHUT_RDWR))
        }
    }

    private func waitMilliseconds() -> Int32 {
        dropSettledDeadlines()
        let tick: Int32 = limits.laterHeadTimeout == nil ? -1 : Int32(ConnectionLedger.tickMilliseconds)
        guard deadlinesStart < deadlines.count else { return tick }
        let nearest = deadlines[deadlinesStart].deadline
        let left = clock.now.duration(to: nearest)
        if left <= .zero { return 0 }
        let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
        return Int32(clamping: min(milliseconds, tick < 0 ? 1000 : Int64(tick)))
    }

    /// Forgets deadlines of connections no longer waiting, from the front, and compacts the queue.
    private func dropSettledDeadlines() {
        while deadlinesStart < deadlines.count, pending[deadlines[deadlinesStart].descriptor]?.serial != deadlines[deadlinesStart].serial {
            deadlinesStart += 1
        }
        if deadlinesStart > 1024 && deadlinesStart * 2 > deadlines.count {
            deadlines.removeFirst(deadlinesStart)
            deadlinesStart = 0
        }
    }

    private func acceptAll() {
        while !quiescing.load(ordering: .relaxed) {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let descriptor = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    berth_accept(listenDescriptor, $0, &length)
                }
            }
            if descriptor < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                // EAGAIN: nothing more to accept. EMFILE/ENFILE: out of descriptors; the rest wait in
                // the backlog until connections close (a short pause keeps this from spinning).
                if errno == EMFILE || errno == ENFILE { usleep(10_000) }
                return
            }
            admit(descriptor, address: address, length: length)
        }
    }

    private func admit(_ descriptor: Int32, address: sockaddr_storage, length: socklen_t) {
        let peer = PeerAddress(address)
        let limits = limits
        if let host = limits.host, let refusal = host.openConnection(
            addressHash: peer.sharedHash(seed: host.seed), totalLimit: limits.totalConnections, perAddressLimit: limits.connectionsPerAddress
        ) {
            GateResponse.send(status: 503, code: "too_many_connections", message: Self.message(for: refusal), retryAfter: 1, on: descriptor)
            close(descriptor)
            return
        }
        let refusal: String? = counts.withLock { counts in
            // With the host's table the limits were taken there; these counts are this process's.
            if limits.host == nil && limits.totalConnections > 0 && counts.total >= limits.totalConnections {
                return "The server has \(counts.total) connections open, the most it takes: retry shortly."
            }
            let fromPeer = counts.perAddress[peer, default: 0]
            if limits.host == nil && limits.connectionsPerAddress > 0 && fromPeer >= limits.connectionsPerAddress {
                return "Your address has \(fromPeer) connections open, the most this server takes from one address: reuse one or close some."
            }
            counts.total += 1
            counts.perAddress[peer, default: 0] += 1
            return nil
        }
        if let refusal {
            GateResponse.send(status: 503, code: "too_many_connections", message: refusal, retryAfter: 1, on: descriptor)
            close(descriptor)
            return
        }
        nextSerial += 1
        let deadline = clock.now + limits.headTimeout
        pending[descriptor] = Pending(address: address, length: length, peer: peer, deadline: deadline, serial: nextSerial)
        deadlines.append((deadline, descriptor, nextSerial))
        waiting.store(pending.count, ordering: .releasing)
        watch(descriptor, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
        examine(descriptor)
    }

    private static func message(for refusal: HostAdmissionTable.ConnectionRefusal) -> String {
        switch refusal {
        case .total(let open):
            "The server has \(open) connections open, the most it takes: retry shortly."
        case .address(let open):
            "Your address has \(open) connections open, the most this server takes from one address: reuse one or close some."
        case .addressesFull:
            "The server has connections open from too many addresses to count yours: retry shortly."
        }
    }

    /// Peeks at what has arrived; hands the connection over once the head is whole and well framed.
    private func examine(_ descriptor: Int32) {
        guard var entry = pending[descriptor] else { return }
        let count = recv(descriptor, buffer.baseAddress, buffer.count, berth_msg_peek | berth_msg_dontwait)
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            return drop(descriptor)
        }
        if count == 0 { return drop(descriptor) }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
        guard let end = Self.headEnd(in: bytes, from: entry.scanned) else {
            if count >= buffer.count {
                refuse(descriptor, status: 431, code: "request_head_too_large", message: "The request head exceeds \(buffer.count) bytes.")
            } else {
                entry.scanned = count
                pending[descriptor] = entry
            }
            return
        }
        if let refusal = limits.framing.check(UnsafeRawBufferPointer(rebasing: bytes[..<end])) {
            return refuse(descriptor, status: refusal.status, code: refusal.code, message: refusal.message)
        }
        handOff(descriptor, entry)
    }

    /// The end (after the empty line) of a head in `bytes`, searching from a little before `scanned`.
    static func headEnd(in bytes: UnsafeRawBufferPointer, from scanned: Int) -> Int? {
        // Empty lines before the request line do not end anything (RFC 9112 §2.2).
        var start = 0
        while start < bytes.count, bytes[start] == .carriageReturn || bytes[start] == .newline { start += 1 }
        var index = max(start, scanned - 3)
        while index < bytes.count {
            if bytes[index] == .newline {
                if index + 1 < bytes.count, bytes[index + 1] == .newline { return index + 2 }
                if index + 2 < bytes.count, bytes[index + 1] == .carriageReturn, bytes[index + 2] == .newline { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    private func handOff(_ descriptor: Int32, _ entry: Pending) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        pending[descriptor] = nil
        lastHandOff.store(Self.monotonicNanoseconds(), ordering: .releasing)
        ledger.handedOver(descriptor)
        waiting.store(pending.count, ordering: .sequentiallyConsistent)
        if let lanes {
            lanes.add(PollingLanes.Arrival(descriptor: descriptor, address: entry.address, length: entry.length, peer: entry.peer))
            return
        }
        var address = entry.address
        let added = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MHD_add_connection(daemon, descriptor, $0, entry.length) }
        }
        // On failure libmicrohttpd has closed the socket already (this thread alone accepts, so the
        // descriptor cannot have been reused yet).
        if added != .YES {
            ledger.closed(descriptor)
            released(entry.peer)
        }
    }

    private func refuse(_ descriptor: Int32, status: Int, code: String, message: String) {
        GateResponse.send(status: status, code: code, message: message, retryAfter: nil, on: descriptor)
        drop(descriptor)
    }

    private func expire() {
        let now = clock.now
        while deadlinesStart < deadlines.count, deadlines[deadlinesStart].deadline <= now {
            let (_, descriptor, serial) = deadlines[deadlinesStart]
            deadlinesStart += 1
            if pending[descriptor]?.serial == serial {
                refuse(descriptor, status: 408, code: "request_head_timeout", message: "The request head did not arrive whole within \(limits.headTimeout).")
            }
        }
        dropSettledDeadlines()
    }

    private func drop(_ descriptor: Int32) {
        guard let entry = pending.removeValue(forKey: descriptor) else { return }
        waiting.store(pending.count, ordering: .releasing)
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        close(descriptor)
        released(entry.peer)
    }

    private func watch(_ descriptor: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = descriptor
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event)
    }

    private func signal() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }
}

/// libmicrohttpd's connection notice: a connection the gate handed over has closed.
func berthConnectionNotice(
    _ context: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ code: MHD_ConnectionNotificationCode
) {
    guard code.rawValue == UInt32(berth_mhd_notify_closed), let context, let connection, let address = berth_mhd_client_address(connection) else { return }
    let gate = Unmanaged<ConnectionGate>.fromOpaque(context).takeUnretainedValue()
    // Closed before its first request (the client left, or the daemon stopped): no longer awaited.
    // libmicrohttpd closes the socket after this notice, so the descriptor is still this connection's.
    gate.ledger.closed(berth_mhd_connection_fd(connection))
    gate.released(PeerAddress(address))
}
