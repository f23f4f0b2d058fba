import Dispatch
import PluginAPI
import Synchronization

/// One transaction's hold on one pooled connection.
///
/// The pool lends a connection to ``serve(_:)``, which runs on the connection's own queue and
/// stays there, running the transaction's statements as they are submitted, until `COMMIT`,
/// `ROLLBACK` or the deadline. So the transaction keeps its connection for its whole body (a
/// pooled call would return it, and the pool roll it back, after each statement) and never for
/// longer than the deadline: past it, the loop rolls back and returns the connection, and every
/// pending or later submission fails with `transaction_timed_out`. Each statement runs with
/// `statement_timeout` no later than the deadline (within 50 ms), so a slow statement is
/// cancelled by the server, and `idle_in_transaction_session_timeout` ends the session on the
/// server should this process stop serving it.
final class PostgresTransactionSession: Sendable {
    /// What a submitted piece of work answers.
    enum Reply: Sendable {
        case count(Int)
        case rows([SQLRow])
        case none
    }

    private struct Command {
        let work: @Sendable (PostgresConnection, PostgresTransactionSession) throws -> Reply
        let continuation: CheckedContinuation<Reply, any Error>
        let ends: Bool
    }

    private struct State {
        var pending: [Command] = []
        /// Set once the loop has ended (or never started): what later submissions fail with.
        var closed: (any Error)?
        /// The first statement failure since the innermost live savepoint: PostgreSQL has aborted
        /// the transaction.
        var aborted: (any Error)?
    }

    let timeout: Duration
    private let state = Mutex(State())
    private let arrivals = DispatchSemaphore(value: 0)

    /// The slack allowed between a statement's timeout and the deadline before it is set again.
    private static let slackNanoseconds: UInt64 = 50_000_000

    init(timeout: Duration) {
        self.timeout = timeout
    }

    var timeoutError: DatabaseError { DatabaseError.transactionTimedOut(after: TransactionLimits.seconds(timeout)) }

    /// Whether the deadline ended the transaction.
    var hasTimedOut: Bool {
        state.withLock { ($0.closed as? DatabaseError)?.code == "transaction_timed_out" }
    }

    // MARK: - The caller's side

    /// Hands `work` to the loop and waits for its answer. `ends`: the loop stops after it.
    func submit(ends: Bool = false, _ work: @escaping @Sendable (PostgresConnection, PostgresTransactionSession) throws -> Reply) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            let refusal: (any Error)? = state.withLock { state in
                if let closed = state.closed { return closed }
                state.pending.append(Command(work: work, continuation: continuation, ends: ends))
                return nil
            }
            if let refusal { continuation.resume(throwing: refusal) } else { arrivals.signal() }
        }
    }

    /// Fails everything pending and everything submitted later with `error`.
    func close(with error: any Error) {
        let pending: [Command] = state.withLock { state in
            if state.closed == nil { state.closed = error }
            defer { state.pending.removeAll() }
            return state.pending
        }
        pending.forEach { $0.continuation.resume(throwing: error) }
    }

    // MARK: - The loop, on the connection's queue

    /// Begins the transaction on `connection` and runs submissions until one ends it or the
    /// deadline passes; returns with the connection outside any transaction.
    func serve(_ connection: PostgresConnection) {
        let deadline = DispatchTimeDeadline.after(timeout)
        let budget = Self.milliseconds(until: deadline)
        // The server's statement_timeout now, in nanoseconds.
        var statementTimeout = UInt64(budget) * 1_000_000
        do {
            try connection.executeScript("BEGIN; SET LOCAL statement_timeout = \(budget); SET LOCAL idle_in_transaction_session_timeout = \(budget + 1000)")
        } catch {
            close(with: error)
            return
        }
        while true {
            guard DispatchTime.now().uptimeNanoseconds < deadline, arrivals.wait(timeout: DispatchTime(uptimeNanoseconds: deadline)) == .success else {
                expire(connection)
                return
            }
            guard let command = state.withLock({ $0.pending.isEmpty ? nil : $0.pending.removeFirst() }) else { continue }
            if DispatchTime.now().uptimeNanoseconds + statementTimeout > deadline + Self.slackNanoseconds {
                // A statement starting now could outlive the deadline: shorten its limit.
                let remaining = Self.milliseconds(until: deadline)
                if (try? connection.executeScript("SET LOCAL statement_timeout = \(remaining)")) != nil {
                    statementTimeout = UInt64(remaining) * 1_000_000
                }
            }
            do {
                command.continuation.resume(returning: try command.work(connection, self))
            } catch let error as PostgresError where error.sqlState == "57014" && DispatchTime.now().uptimeNanoseconds + Self.slackNanoseconds >= deadline {
                // The server cancelled the statement at the deadline.
                command.continuation.resume(throwing: timeoutError)
                expire(connection)
                return
            } catch {
                command.continuation.resume(throwing: error)
            }
            if command.ends {
                close(with: DatabaseError.transactionFinished())
                return
            }
        }
    }

    private func expire(_ connection: PostgresConnection) {
        close(with: timeoutError)
        _ = try? connection.executeScript("ROLLBACK")
    }

    private static func milliseconds(until deadline: UInt64) -> Int {
        let now = DispatchTime.now().uptimeNanoseconds
        return deadline > now ? max(1, Int((deadline - now) / 1_000_000)) : 1
    }

    // MARK: - Abort tracking, on the loop

    /// Records that a statement failed: PostgreSQL has aborted the transaction.
    func noteFailure(_ error: any Error) {
        state.withLock { if $0.aborted == nil { $0.aborted = error } }
    }

    /// What aborted the transaction, if anything did.
    var abortCause: (any Error)? { state.withLock { $0.aborted } }

    /// A savepoint was rolled back to: the transaction is usable again.
    func clearFailure() {
        state.withLock { $0.aborted = nil }
    }
}
