import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The pipe every worker writes its status lines to; the supervisor reads it on a thread of its own.
final class StatusPipe: Sendable {
    /// The read end, kept by the supervisor.
    let readDescriptor: Int32
    /// The write end, handed to every worker (and kept open, so reading never ends).
    let writeDescriptor: Int32

    init() throws(SupervisorError) {
        var ends: [Int32] = [-1, -1]
        // Created before any worker exists; moving both ends above 10 makes them close-on-exec.
        try SystemCall.check(.descriptorFailed, "cannot create the status pipe") { pipe(&ends) }
        readDescriptor = try SystemCall.moveAboveStandard(ends[0])
        writeDescriptor = try SystemCall.moveAboveStandard(ends[1])
    }

    /// Reads lines until the process ends, delivering each parsed message.
    func startReading(_ deliver: @escaping @Sendable (StatusMessage) -> Void) {
        let descriptor = readDescriptor
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return }
                pending += buffer[0 ..< count]
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if let message = StatusMessage(line: Substring(line)) { deliver(message) }
                }
            }
        }
        thread.name = "berth-status"
        thread.start()
    }
}
