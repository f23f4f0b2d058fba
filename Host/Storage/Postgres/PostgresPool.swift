import Dispatch
import Synchronization

/// A fixed number of PostgreSQL connections, opened on demand and lent one task at a time.
///
/// libpq's calls block, so they never run on the caller's thread: a task that borrows a connection
/// suspends while the connection's own serial dispatch queue (a thread of its own while busy) runs
/// the call, and resumes with the result. A task that finds every connection lent out suspends in
/// a FIFO queue; no thread waits for a connection.
public final class PostgresPool: Sendable {
    /// The most connections the pool keeps open.
    public let size: Int

    /// How long one borrowing may run its statements before the host cancels them (nil: no bound),
    /// and the setting that says so, for the error.
    public let timeout: (limit: Duration, setting: String)?

    private let open: @Sendable () throws -> PostgresConnection
    private let state = Mutex(State())
    private let waiterIDs = Atomic<UInt64>(0)

    /// A connection with the queue its calls run on.
    private struct Slot: Sendable {
        let connection: PostgresConnection
        let queue: DispatchQueue
    }

    /// What a borrower gets: an idle connection, or the right to open one.
    private enum Lease: Sendable {
        case slot(Slot)
        case openNew
    }

    private struct State {
        var idle: [Slot] = []
        /// Connections open or being opened, lent or idle.
        var opened = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Lease, any Error>)] = []
        var closed = false
    }

    /// A pool of at most `size` connections, each made by `open`; each borrowing's statements are
    /// cancelled once `timeout` has passed (see ``PostgresConnection/withDeadline(_:setting:_:)``).
    public init(size: Int, timeout: (limit: Duration, setting: String)? = nil, open: @escaping @Sendable () throws -> PostgresConnection) {
        precondition(size > 0, "a pool needs at least one connection")
        self.size = size
        self.timeout = timeout
        self.open = open
    }

    /// Connections currently open, lent or idle.
    public var connectionCount: Int { state.withLock { $0.opened } }

    /// Connections open, lent out now, and calls waiting for one: the host's pool gauges.
    public var usage: PoolUsage {
        state.withLock { PoolUsage(open: $0.opened, inUse: $0.opened - $0.idle.count, waiting: $0.waiters.count, capacity: size) }
    }

    /// Borrows a connection, runs `body` with it off the caller's thread, and returns it.
    ///
    /// A connection left inside a transaction is rolled back before its next use; a broken one is
    /// closed and replaced on demand.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let lease = try await borrow()
        let queue = switch lease {
        case .slot(let slot): slot.queue
        case .openNew: DispatchQueue(label: "berth.postgres.connection")
        }
        // A cancelled borrower (its request gave up) cancels its statement on the server too.
        let running = Running()
        let timeout = timeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    var slot: Slot?
                    do {
                        switch lease {
                        case .slot(let existing) where existing.connection.checkAlive(): slot = existing
                        case .slot(let stale):
                            // Its backend ended while it sat idle (terminated, or a server restart):
                            // nothing was sent on it yet, so a new one serves this borrower.
                            stale.connection.close()
                            slot = Slot(connection: try self.open(), queue: queue)
                        case .openNew: slot = Slot(connection: try self.open(), queue: queue)
                        }
                        let connection = slot!.connection
                        running.start(connection)
                        defer { running.end() }
                        let result = try connection.withDeadline(timeout?.limit, setting: timeout?.setting ?? "") { try body(connection) }
                        continuation.resume(returning: result)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                    self.giveBack(slot)
                }
            }
        } onCancel: {
            running.cancel()
        }
    }

    /// The connection a borrowing runs on while it runs, and whether its task was cancelled.
    private final class Running: Sendable {
        private let state = Mutex<(connection: PostgresConnection?, cancelled: Bool)>((nil, false))

        func start(_ connection: PostgresConnection) {
            let cancelled = state.withLock { state in
                state.connection = connection
                return state.cancelled
            }
            if cancelled { connection.cancel() }
        }

        func end() { state.withLock { $0.connection = nil } }

        func cancel() {
            state.withLock { state in
                state.cancelled = true
                state.connection?.cancel()
            }
        }
    }

    /// Closes the idle connections and fails the waiting borrowers; lent connections are closed
    /// when they come back.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer { state.idle.removeAll(); state.waiters.removeAll() }
            state.opened -= state.idle.count
            return (state.idle, state.waiters)
        }
        idle.forEach { $0.connection.close() }
        waiters.forEach { $0.continuation.resume(throwing: PostgresError.poolClosed()) }
    }

    private func borrow() async throws -> Lease {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let now: Result<Lease, any Error>? = state.withLock { state in
                    if state.closed { return .failure(PostgresError.poolClosed()) }
                    // Checked under the lock: a cancellation that came before the waiter was
                    // queued is seen here; one that comes after finds the waiter to resume.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let slot = state.idle.popLast() { return .success(.slot(slot)) }
                    if state.opened < size {
                        state.opened += 1
                        return .success(.openNew)
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Lease, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Returns a connection (`nil` when opening it failed), handing it straight to the next waiter
    /// if there is one.
    private func giveBack(_ slot: Slot?) {
        let reusable = slot.map { $0.connection.recycle() } ?? false
        if let slot, !reusable { slot.connection.close() }
        let (next, lease, closeIt): (CheckedContinuation<Lease, any Error>?, Lease?, Bool) = state.withLock { state in
            if state.closed {
                state.opened -= 1
                return (nil, nil, true)
            }
            if let slot, reusable {
                guard !state.waiters.isEmpty else {
                    state.idle.append(slot)
                    return (nil, nil, false)
                }
                return (state.waiters.removeFirst().continuation, .slot(slot), false)
            }
            // The connection is gone: its place goes to the next waiter, who opens a new one.
            guard !state.waiters.isEmpty else {
                state.opened -= 1
                return (nil, nil, false)
            }
            return (state.waiters.removeFirst().continuation, .openNew, false)
        }
        if closeIt { slot?.connection.close() }
        if let next, let lease { next.resume(returning: lease) }
    }
}
