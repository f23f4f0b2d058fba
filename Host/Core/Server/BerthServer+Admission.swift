import BerthTraffic
import Foundation

extension BerthServer {
    /// The host-wide admission table every process of the host counts in, so that the connection
    /// limits, the upload bound and the disk reserve hold for the host rather than per worker. A
    /// crashed worker's share is handed back by the next process that registers or reaches a limit.
    /// - Returns: nil when every row of the table is held by a live process (more than 64 at once):
    ///   this process then counts by itself.
    static func hostAdmission(runDirectory: String) throws -> HostAdmissionTable? {
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do throws(TrafficError) {
            let table = try HostAdmissionTable(path: runDirectory + "/admission.v1")
            return table.register() ? table : nil
        } catch {
            throw BerthError(status: 500, code: "invalid_setting", message: "the host's shared connection counts cannot be used: \(error.message)")
        }
    }
}
