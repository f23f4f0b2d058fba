import BerthStorage
import Foundation
import Glibc
import PluginAPI

/// Recognises a failure whose root is a full disk (or quota), however deep in the causes it sits,
/// so that the answer says `507 insufficient_storage` instead of blaming the package (a migration
/// that failed because SQLite could not grow its file is not the package's fault).
enum StorageExhaustion {
    /// Whether `error` or one of its causes is a full disk.
    static func isCause(of error: any Error) -> Bool {
        var current: (any Error)? = error
        for _ in 0 ..< 8 {
            guard let error = current else { return false }
            switch error {
            case let error as SQLiteError:
                // SQLITE_FULL: "database or disk is full".
                if error.resultCode & 0xff == 13 { return true }
                current = nil
            case let error as PostgresError:
                return error.sqlState == "53100"
            case let error as MigrationError:
                current = error.cause
            case let error as BerthError:
                current = error.cause
            case let error as CocoaError where error.code == .fileWriteOutOfSpace:
                return true
            case let error as POSIXError where error.code == .ENOSPC || error.code == .EDQUOT:
                return true
            default:
                let bridged = error as NSError
                if bridged.domain == NSPOSIXErrorDomain && (bridged.code == Int(ENOSPC) || bridged.code == Int(EDQUOT)) { return true }
                current = bridged.userInfo[NSUnderlyingErrorKey] as? any Error
            }
        }
        return false
    }

    /// The answer for such a failure, keeping what the failing step said.
    static func response(for message: String) -> PluginAPI.Response {
        JSONResponse.error(
            status: 507, code: "insufficient_storage",
            message: "the disk holding the home is full, so the change was undone: \(message). Free some space and retry"
        )
    }
}
