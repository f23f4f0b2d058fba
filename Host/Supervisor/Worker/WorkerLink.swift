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
    /// How long a mutation's answer waits for the new generation at most.
    let rollTimeout: Duration = .seconds(60)

    /// A roll request's answer: registered before the request is sent, so a release or a timeout
    /// that comes before the continuation is stored is not lost.
    private enum Waiter {
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        case done
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
    func requestRoll() async {
        let id: UInt64? = state.withLock { state in
            guard !state.draining else { return nil }
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = .pending
            return state.nextWaiter
        }
        send(.roll(pid: pid))
        guard let id else { return }
        let timeout = rollTimeout
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            finish(id)
        }
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                guard case .pending = state.waiters[id] else {
                    state.waiters[id] = nil
                    return true
                }
                state.waiters[id] = .waiting(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
        timer.cancel()
    }

    /// Drain started: later roll requests no longer wait.
    func beginDraining() {
        state.withLock { $0.draining = true }
    }

    /// SIGUSR1: the generation this worker asked for serves; every waiting answer goes out.
    func releaseWaiters() {
        let ids = state.withLock { Array($0.waiters.keys) }
        ids.forEach(finish)
    }

    private func finish(_ id: UInt64) {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            switch state.waiters[id] {
            case .waiting(let continuation):
                state.waiters[id] = nil
                return continuation
            case .pending:
                state.waiters[id] = .done
                return nil
            case .done, nil:
                return nil
            }
        }
        continuation?.resume()
    }
}
