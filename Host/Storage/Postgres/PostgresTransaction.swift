import PluginAPI
import Synchronization

/// An addon's open transaction on PostgreSQL, and the database its body receives: every statement
/// goes to the one connection its ``PostgresTransactionSession`` holds.
final class PostgresTransaction: AddonDatabase {
    private let pool: PostgresPool
    private let session: PostgresTransactionSession
    /// The pool call that lends the connection to the session; ends when the session does.
    private let loop: Task<Void, Never>
    private let savepoints = Atomic<Int>(0)

    private init(pool: PostgresPool, session: PostgresTransactionSession, loop: Task<Void, Never>) {
        self.pool = pool
        self.session = session
        self.loop = loop
    }

    var dialect: String { "postgres" }

    /// Borrows a connection for a new transaction; its statements wait until `BEGIN` has run.
    static func begin(on pool: PostgresPool, timeout: Duration) -> PostgresTransaction {
        let session = PostgresTransactionSession(timeout: timeout)
        // A detached task does not inherit the caller: carry it over.
        let caller = CallerIdentity.current
        let loop = Task.detached {
            do {
                try await pool.withConnection { connection in
                    try PostgresAddonDatabase.bind(caller, on: connection)
                    session.serve(connection)
                }
            } catch {
                session.close(with: error)
            }
        }
        return PostgresTransaction(pool: pool, session: session, loop: loop)
    }

    /// Runs `body`, then commits; rolls back when it throws. Returns once the connection is back.
    func run<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        let value: T
        do {
            value = try await TransactionScope.$open.withValue(TransactionScope.open + [ObjectIdentifier(pool)]) {
                try await body(self)
            }
        } catch {
            _ = try? await session.submit(ends: true) { connection, _ in
                try connection.executeScript("ROLLBACK")
                return .none
            }
            await loop.value
            throw session.hasTimedOut ? session.timeoutError : error
        }
        do {
            _ = try await session.submit(ends: true) { connection, session in
                if let cause = session.abortCause {
                    _ = try? connection.executeScript("ROLLBACK")
                    throw DatabaseError.transactionAborted(cause: cause)
                }
                try connection.executeScript("COMMIT")
                return .none
            }
        } catch {
            await loop.value
            throw error
        }
        await loop.value
        return value
    }

    // MARK: - The database the body sees

    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try PostgresAddonDatabase.checkStatement(sql)
        let reply = try await session.submit { connection, session in
            do {
                return .count(try connection.execute(sql, parameters))
            } catch {
                session.noteFailure(error)
                throw error
            }
        }
        guard case .count(let count) = reply else { return 0 }
        return count
    }

    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try PostgresAddonDatabase.checkStatement(sql)
        let reply = try await session.submit { connection, session in
            do {
                return .rows(try connection.query(sql, parameters))
            } catch {
                session.noteFailure(error)
                throw error
            }
        }
        guard case .rows(let rows) = reply else { return [] }
        return rows
    }

    /// A savepoint: an error thrown by `body` undoes what it did, and only that.
    func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        let name = "berth_savepoint_\(savepoints.add(1, ordering: .relaxed).newValue)"
        try await control("SAVEPOINT \(name)")
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? await session.submit { connection, session in
                try connection.executeScript("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
                session.clearFailure()
                return .none
            }
            throw error
        }
        try await control("RELEASE SAVEPOINT \(name)")
        return value
    }

    private func control(_ sql: String) async throws {
        _ = try await session.submit { connection, session in
            do {
                try connection.executeScript(sql)
                return .none
            } catch {
                session.noteFailure(error)
                throw error
            }
        }
    }
}
