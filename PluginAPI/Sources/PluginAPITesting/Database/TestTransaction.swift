import Foundation
import PluginAPI

/// The database a ``TestDatabase`` transaction hands to its body: the transaction's own
/// connection; nested transactions are savepoints.
///
/// `@unchecked Sendable`: `finished` is read and written only under `lock`.
final class TestTransaction: AddonDatabase, @unchecked Sendable {
    private let file: SQLiteFile
    private let lock = NSLock()
    private var finished = false
    private var savepoints = 0

    init(file: SQLiteFile) {
        self.file = file
    }

    var dialect: String { "sqlite" }

    func finish() {
        lock.withLock { finished = true }
    }

    private func checkOpen() throws {
        if lock.withLock({ finished }) { throw DatabaseError.transactionFinished() }
    }

    func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
        try checkOpen()
        try TestDatabase.refuseTransactionControl(sql)
        return try file.run(sql, parameters).changes
    }

    func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
        try checkOpen()
        try TestDatabase.refuseTransactionControl(sql)
        return try file.run(sql, parameters).rows
    }

    func transaction<T>(isolation: isolated (any Actor)?, _ body: (any AddonDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        let name = lock.withLock { savepoints += 1; return "berth_test_savepoint_\(savepoints)" }
        try file.exec("SAVEPOINT \(name)")
        do {
            let result = try await body(self)
            try file.exec("RELEASE \(name)")
            return result
        } catch {
            try? file.exec("ROLLBACK TO \(name); RELEASE \(name)")
            throw error
        }
    }
}
