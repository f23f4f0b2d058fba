import CSQLite
import Dispatch
import PluginAPI
import Synchronization

/// An addon's open transaction on SQLite, and the database its body receives.
///
/// It owns the connection's gate from `BEGIN IMMEDIATE` to `COMMIT` or `ROLLBACK`. A watchdog ends
/// it at the connection's deadline: SQLite's progress handler stops the running statement, the
/// transaction is rolled back and the gate released, and every later use throws
/// `transaction_timed_out`.
final class SQLiteTransaction: AddonDatabase {
    private static let ids = Atomic<UInt64>(0)

    let connection: SQLiteConnection
    let id: UInt64
    private let timedOut = Atomic<Bool>(false)
    /// Savepoints opened so far, for their names.
    private let savepoints = Atomic<Int>(0)
    private let watchdog = Mutex<Task<Void, Never>?>(nil)

    private init(connection: SQLiteConnection) {
        self.connection = connection
        id = Self.ids.add(1, ordering: .relaxed).newValue
    }

    var dialect: String { "sqlite" }

    /// Waits for the gate, begins, and arms the deadline.
    static func begin(on connection: SQLiteConnection) async throws -> SQLiteTransaction {
        let transaction = SQLiteTransaction(connection: connection)
        let timeout = connection.transactionTimeout
        try await connection.acquireGate(for: transaction.id) { connection in
            try connection.controlLocked("BEGIN IMMEDIATE")
            connection.interruptDeadline.set(DispatchTimeDeadline.after(timeout))
        }
        transaction.watchdog.withLock {
            $0 = Task.detached { [weak transaction] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                transaction?.expire()
            }
        }
        return transaction
    }

    /// Runs `body` inside the transaction; commits when it returns, rolls back when it throws.
    func run<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        let value: T
        do {
            value = try await TransactionScope.$open.withValue(TransactionScope.open + [ObjectIdentifier(connection)]) {
                try await body(self)
            }
        } catch {
            rollBack()
            throw timedOut.load(ordering: .relaxed) ? timeoutError : error
        }
        try finishOrThrow()
        return value
    }

    // MARK: - The database the body sees

    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try SQLStatementText.refuseTransactionControl(sql)
        return try inside { try $0.executeLocked(sql, parameters) }
    }

    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try SQLStatementText.refuseTransactionControl(sql)
        return try inside { try $0.queryLocked(sql, parameters) }
    }

    /// A savepoint: an error thrown by `body` undoes what it did, and only that.
    func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        let name = "berth_savepoint_\(savepoints.add(1, ordering: .relaxed).newValue)"
        try inside { try $0.controlLocked("SAVEPOINT \(name)") }
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? inside { try $0.controlLocked("ROLLBACK TO \(name); RELEASE \(name)") }
            throw error
        }
        try inside { try $0.controlLocked("RELEASE \(name)") }
        return value
    }

    // MARK: - Ending

    private var timeoutError: DatabaseError {
        DatabaseError.transactionTimedOut(after: TransactionLimits.seconds(connection.transactionTimeout))
    }

    /// Runs `body` under the connection's lock while the transaction holds the gate.
    private func inside<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        do {
            guard let result = try connection.withGate(of: id, body) else {
                throw timedOut.load(ordering: .relaxed) ? timeoutError : DatabaseError.transactionFinished()
            }
            return result
        } catch let error as SQLiteError where error.resultCode == SQLITE_INTERRUPT {
            // The progress handler stopped the statement at the deadline.
            expire()
            throw timeoutError
        }
    }

    /// Commits; a failed `COMMIT` (a deferred constraint, say) rolls back and throws.
    private func finishOrThrow() throws {
        var failure: (any Error)?
        let ended = connection.releaseGate(of: id) { connection in
            do {
                try connection.controlLocked("COMMIT")
            } catch {
                failure = error
                if connection.isInsideTransactionLocked { _ = try? connection.controlLocked("ROLLBACK") }
            }
        }
        stopWatchdog()
        if !ended { throw timedOut.load(ordering: .relaxed) ? timeoutError : DatabaseError.transactionFinished() }
        if let failure { throw failure }
    }

    private func rollBack() {
        connection.releaseGate(of: id) { connection in
            if connection.isInsideTransactionLocked { _ = try? connection.controlLocked("ROLLBACK") }
        }
        stopWatchdog()
    }

    /// The deadline passed: roll back and let the waiting statements in.
    private func expire() {
        timedOut.store(true, ordering: .relaxed)
        connection.releaseGate(of: id) { connection in
            if connection.isInsideTransactionLocked { _ = try? connection.controlLocked("ROLLBACK") }
        }
    }

    private func stopWatchdog() {
        watchdog.withLock { $0?.cancel(); $0 = nil }
    }
}

/// Monotonic deadlines in the unit SQLite's progress handler reads.
enum DispatchTimeDeadline {
    /// Now plus `duration`, in monotonic nanoseconds.
    static func after(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        return DispatchTime.now().uptimeNanoseconds + max(1, nanoseconds)
    }
}
