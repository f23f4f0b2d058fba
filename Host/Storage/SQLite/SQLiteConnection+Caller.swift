import CSQLite
import Synchronization

/// The caller's identity as SQL functions on an addon's SQLite connection: `berth_user_id()` (the
/// token's subject, NULL for an anonymous caller) and `berth_claims()` (the claims as JSON text, for
/// `json_extract`), the SQLite side of ``CallerIdentity``.
extension SQLiteConnection {
    /// Registers both functions on `handle`; `cell` stays alive as long as the connection.
    static func registerCallerFunctions(on handle: OpaquePointer?, cell: CallerCell) {
        let context = Unmanaged.passUnretained(cell).toOpaque()
        sqlite3_create_function_v2(handle, "berth_user_id", 0, SQLITE_UTF8, context, { invocation, _, _ in
            guard let invocation, let data = sqlite3_user_data(invocation) else { return }
            let caller = Unmanaged<CallerCell>.fromOpaque(data).takeUnretainedValue().value
            CallerCell.result(caller?.subject, into: invocation)
        }, nil, nil, nil)
        sqlite3_create_function_v2(handle, "berth_claims", 0, SQLITE_UTF8, context, { invocation, _, _ in
            guard let invocation, let data = sqlite3_user_data(invocation) else { return }
            let caller = Unmanaged<CallerCell>.fromOpaque(data).takeUnretainedValue().value
            CallerCell.result(caller?.claimsJSON, into: invocation)
        }, nil, nil, nil)
    }

    /// Runs `body` with `caller` as the value of the caller functions; the caller holds the lock.
    func withCaller<R>(_ caller: CallerIdentity.Value?, _ body: () throws -> R) rethrows -> R {
        guard let caller else { return try body() }
        callerCell.set(caller)
        defer { callerCell.set(nil) }
        return try body()
    }
}

/// The caller of the statement running on a connection, read by its SQL functions.
final class CallerCell: Sendable {
    private let current = Mutex<CallerIdentity.Value?>(nil)

    var value: CallerIdentity.Value? { current.withLock { $0 } }

    func set(_ caller: CallerIdentity.Value?) {
        current.withLock { $0 = caller }
    }

    /// `text` as the function's result (copied by SQLite), or NULL.
    static func result(_ text: String?, into invocation: OpaquePointer) {
        guard let text else {
            sqlite3_result_null(invocation)
            return
        }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                sqlite3_result_text(invocation, $0, Int32(buffer.count), berth_sqlite_transient())
            }
        }
    }
}
