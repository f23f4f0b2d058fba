#if canImport(Glibc)
import Glibc
#endif

/// Everything the supervisor reacts to, delivered one at a time to its loop.
enum SupervisorEvent: Sendable {
    /// A line from a worker.
    case message(StatusMessage)
    /// A child ended; `status` as `waitpid` returned it.
    case exited(pid: pid_t, status: Int32)
    /// SIGTERM, SIGINT or SIGHUP.
    case signal(Int32)
    /// Time passed: deadlines, scheduled starts, retries.
    case tick
}
