import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for any child to end, on a thread of its own, so a dead worker is noticed at once.
enum ChildReaper {
    /// Starts the thread; `deliver` gets each child's pid and `waitpid` status.
    static func start(_ deliver: @escaping @Sendable (pid_t, Int32) -> Void) {
        let thread = Thread {
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, 0)
                if pid > 0 {
                    deliver(pid, status)
                } else if errno == ECHILD {
                    // No child right now (between generations at start): look again shortly.
                    usleep(20_000)
                }
            }
        }
        thread.name = "berth-reaper"
        thread.start()
    }

    /// `waitpid`'s status for people: "exit 1", "signal 11 (Segmentation fault)".
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exit \((status >> 8) & 0xff)" }
        return "signal \(signal) (\(String(cString: strsignal(signal))))"
    }
}
