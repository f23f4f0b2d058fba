import BerthCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A worker's end of its conversation with the supervisor: lines on the status pipe, and the roll
/// requests of admin mutations, which wait until the supervisor says the new generation serves.
final class WorkerLink: Sendable {
    /// The write end of the status pipe.
    let descriptor: Int32
    /// This worker's process id, as the supervisor knows it.
    let pid = getpid()
    /// How long a mutation's answer waits for the new generation at most (`BERTH_ROLL_TIMEOUT`).
    let rollTimeout: Duration = LifecycleDeadlines.current.roll

    /// A roll request's answer: registered before the request is sent, so a release or a timeout
    /// that comes before the continuation is stored is not lost.
    private enum Waiter {
        case pending
        case waiting(CheckedContinuation<Bool, Never>)
        case done(released: Bool)
    }

    private struct State {
        var draining = false
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Writes `message` in one `write` (atomic on a pipe); a supervisor that is gone is ignored.
    func send(_ message: StatusMessage) {
        let line = Array(message.line.utf8)
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Asks the supervisor for a new generation of workers, and returns once it serves: the
    /// supervisor then sends SIGUSR1, after every worker of the old generation stopped accepting,
    /// so the client's next request reaches the new installed set. Returns at once while draining,
    /// and after ``rollTimeout`` at most.
    /// - Returns: whether the supervisor said the new generation serves (false after the timeout).
    func requestRoll() async -> Bool {
        let id: UInt64? = state.withLock { state in
            guard !state.draining else { return nil }
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = .pending
            return state.nextWaiter
        }
        send(.roll(pid: pid))
        // Draining: this worker's own generation is being replaced, so the new one serves already.
        guard let id else { return true }
        let timeout = rollTimeout
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            finish(id, released: false)
        }
        let released = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let outcome: Bool? = state.withLock { state in
                guard case .pending = state.waiters[id] else {
                    defer { state.waiters[id] = nil }
                    if case .done(let released) = state.waiters[id] { return released }
                    return false
                }
                state.waiters[id] = .waiting(continuation)
                return nil
            }
            if let outcome { continuation.resume(returning: outcome) }
        }
        timer.cancel()
        return released
    }

    /// Drain started: later roll requests no longer wait.
    func beginDraining() {
        state.withLock { $0.draining = true }
    }

    /// SIGUSR1: the generation this worker asked for serves; every waiting answer goes out.
    func releaseWaiters() {
        let ids = state.withLock { Array($0.waiters.keys) }
        ids.forEach { finish($0, released: true) }
    }

    private func finish(_ id: UInt64, released: Bool) {
        let continuation: CheckedContinuation<Bool, Never>? = state.withLock { state in
            switch state.waiters[id] {
            case .waiting(let continuation):
                state.waiters[id] = nil
                return continuation
            case .pending:
                state.waiters[id] = .done(released: released)
                return nil
            case .done, nil:
                return nil
            }
        }
        continuation?.resume(returning: released)
    }
}
