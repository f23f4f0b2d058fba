import BerthCore
import BerthMetrics
import Foundation
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// A worker's own thread that enforces its limits: it answers handlers past their deadline with
/// 504, asks to be recycled when a handler hangs or resident memory passes its limit, and drains the
/// worker if the supervisor is gone.
///
/// A thread of its own rather than a task: a handler that blocks its thread forever must not be
/// able to starve the thing that times it out.
final class WorkerWatchdog: Sendable {
    let crashGuard: CrashGuard
    let link: WorkerLink
    let limits: WorkerLimits
    let supervisor: pid_t
    let logger: Logger
    /// Called once if the supervisor died (this process was re-parented).
    let orphaned: @Sendable () -> Void
    /// Where timeouts are counted (`berth_handler_timeouts_total`).
    let metrics: SeriesTable?
    /// How many times the server took a polling thread over from a handler that kept it.
    let takeovers: @Sendable () -> Int

    init(crashGuard: CrashGuard, link: WorkerLink, limits: WorkerLimits, supervisor: pid_t, logger: Logger, metrics: SeriesTable? = nil, takeovers: @escaping @Sendable () -> Int = { 0 }, orphaned: @escaping @Sendable () -> Void) {
        self.metrics = metrics
        self.crashGuard = crashGuard
        self.link = link
        self.limits = limits
        self.supervisor = supervisor
        self.logger = logger
        self.orphaned = orphaned
        self.takeovers = takeovers
    }

    /// Starts the thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "berth-watchdog"
        thread.start()
    }

    private func run() {
        var asked = false
        var ticks = 0
        var reportedTakeovers = 0
        while true {
            usleep(50_000)
            ticks += 1
            // Handlers of several addons can expire in one tick: each addon counts its own.
            for (owner, count) in crashGuard.expireOverdue() {
                metrics?.count(.handlerTimeouts, ["addon": owner], by: UInt64(count))
                logger.warning("handler timed out: answered 504", metadata: ["addon": owner, "requests": "\(count)", "timeout": "\(limits.handlerTimeout)"])
            }
            if !asked, !crashGuard.crashed {
                let stuck = crashGuard.stuck(grace: limits.hungGrace)
                if stuck.count > 0 {
                    asked = true
                    logger.warning("a handler never returned: asking for a replacement", metadata: ["addon": stuck.owner])
                    link.send(.recycle(pid: link.pid, reason: "a handler of \(stuck.owner) never returned"))
                }
            }
            if !asked, limits.maxResidentMegabytes > 0, ticks % 20 == 0, let resident = Self.residentMegabytes(), resident > limits.maxResidentMegabytes {
                asked = true
                logger.warning("resident memory past the limit: asking for a replacement", metadata: ["residentMB": "\(resident)", "limitMB": "\(limits.maxResidentMegabytes)"])
                link.send(.recycle(pid: link.pid, reason: "resident memory \(resident) MB is past BERTH_WORKER_MAX_RSS_MB=\(limits.maxResidentMegabytes)"))
            }
            if ticks % 20 == 0 {
                let count = takeovers()
                if count > reportedTakeovers {
                    logger.info("handlers kept their polling thread past a tick: threads taken over", metadata: ["takeovers": "\(count - reportedTakeovers)", "total": "\(count)"])
                    reportedTakeovers = count
                }
            }
            if getppid() != supervisor {
                orphaned()
                return
            }
        }
    }

    /// Resident memory from `/proc/self/statm` (its second field, in pages).
    static func residentMegabytes() -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/self/statm") else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
    }
}
