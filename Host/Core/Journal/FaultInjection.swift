import Foundation
import Glibc

/// Named points where a test can make the host kill itself with SIGKILL, to prove that a crash at
/// any step is recovered at the next start. Set `BERTH_FAULT_AT=<operation>.<step>` (e.g.
/// `install.migrate`, `uninstall.remove`, `registry.rename`, `install.committed` right after the
/// registry was written); unset, every point is a no-op.
enum FaultInjection {
    static let target: String? = ProcessInfo.processInfo.environment["BERTH_FAULT_AT"].flatMap { $0.isEmpty ? nil : $0 }

    /// Kills the process, as a power cut or the OOM killer would, if `point` is the target.
    static func reach(_ point: String) {
        guard let target, target == point else { return }
        FileHandle.standardError.write(Data("berth: fault injected at \(point): SIGKILL\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
