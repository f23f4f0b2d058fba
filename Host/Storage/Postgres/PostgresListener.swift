import CPostgres
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A dedicated connection that `LISTEN`s on one channel and reports each notification on a thread
/// of its own, reconnecting after a failure.
///
/// Nothing else runs on the connection, so waiting for notifications blocks no pool thread: the
/// listener thread sleeps in `poll(2)` on the connection's socket, and wakes to consume input and
/// read notifications (`PQconsumeInput`, `PQnotifies`). Notifications sent while the connection
/// was down are lost: every (re)connection is reported as ``Event/listening``, and a consumer
/// should then re-read whatever the notifications stand for.
public final class PostgresListener: Sendable {
    /// What the listener thread reports.
    public enum Event: Sendable {
        /// The connection is up and listening; anything sent before may have been missed.
        case listening
        /// A notification on the channel, with its payload.
        case notification(payload: String)
        /// The connection failed; the listener retries after ``retryDelay``.
        case failed(String)
    }

    /// The channel listened on.
    public let channel: String

    /// How long the listener waits before reconnecting.
    public let retryDelay: Duration

    private let url: String
    private let onEvent: @Sendable (Event) -> Void
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    /// Whether the thread has ended, and who waits for it to end.
    private let exit = Mutex<(ended: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A listener on `channel` of the database at `url`; nothing happens until ``start()``.
    /// `onEvent` runs on the listener's thread and must return quickly.
    public init(url: String, channel: String, retryDelay: Duration = .seconds(1), onEvent: @escaping @Sendable (Event) -> Void) {
        self.url = url
        self.channel = channel
        self.retryDelay = retryDelay
        self.onEvent = onEvent
    }

    /// Starts the listener thread (once).
    public func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let thread = Thread { [self] in run() }
        thread.name = "berth.postgres.listen"
        thread.start()
    }

    /// Stops the thread and closes the connection; returns once the thread has ended (within
    /// about a quarter of a second), suspending rather than blocking the caller's thread.
    public func stop() async {
        stopping.store(true, ordering: .relaxed)
        guard started.load(ordering: .relaxed) else { return }
        await withCheckedContinuation { continuation in
            let ended = exit.withLock { state in
                if !state.ended { state.waiters.append(continuation) }
                return state.ended
            }
            if ended { continuation.resume() }
        }
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func run() {
        defer {
            let waiters = exit.withLock { state in
                state.ended = true
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        while !isStopping {
            do {
                let handle = try LibPQ.connect(url)
                defer { PQfinish(handle) }
                _ = try LibPQ.exec(handle, "LISTEN " + PostgresIdentifiers.quote(channel))
                onEvent(.listening)
                try receive(on: handle)
            } catch {
                guard !isStopping else { return }
                onEvent(.failed("\(error)"))
                pause(retryDelay)
            }
        }
    }

    /// Waits for input on the socket in slices of 250 ms (to notice ``stop()``), and reports
    /// every notification that arrived.
    private func receive(on handle: OpaquePointer) throws {
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw PostgresError.connectionLost(LibPQ.errorMessage(handle), sql: "LISTEN") }
        while !isStopping {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError.connectionLost("poll: \(String(cString: strerror(errno)))", sql: "LISTEN")
            }
            guard ready > 0 else { continue }
            guard PQconsumeInput(handle) == 1, LibPQ.isOK(handle) else {
                throw PostgresError.connectionLost(LibPQ.errorMessage(handle), sql: "LISTEN")
            }
            while let notification = PQnotifies(handle) {
                let payload = notification.pointee.extra.map { String(cString: $0) } ?? ""
                PQfreemem(notification)
                onEvent(.notification(payload: payload))
            }
        }
    }

    private func pause(_ delay: Duration) {
        var left = delay
        let slice = Duration.milliseconds(100)
        while left > .zero, !isStopping {
            let step = min(left, slice)
            usleep(UInt32(step.components.attoseconds / 1_000_000_000_000 + step.components.seconds * 1_000_000))
            left -= step
        }
    }
}
