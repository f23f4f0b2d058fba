import BerthCore
import BerthHTTP
import CBerthCrash
import Foundation
import PluginAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `berth worker`: one worker process, started by the supervisor with the listening socket, the
/// status pipe and its slot table as inherited descriptors. It loads what the registry lists,
/// serves on the shared socket, and drains when the supervisor sends SIGTERM.
public enum WorkerCommand {
    /// What the supervisor passes on the command line.
    struct Arguments {
        var listenDescriptor: Int32 = 3
        var statusDescriptor: Int32 = 4
        var slotsDescriptor: Int32 = 5
        var generation = 0
        var supervisor: pid_t = getppid()
        var threads: Int?
        /// The read end of the pipe holding the secrets, if the supervisor had any.
        var secretsDescriptor: Int32?

        init(_ arguments: [String]) throws(SupervisorError) {
            var index = 0
            while index < arguments.count {
                let name = arguments[index]
                guard index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
                    throw SupervisorError(.invalidArgument, "worker: \(name) needs a whole number")
                }
                switch name {
                case "--listen-fd": listenDescriptor = Int32(value)
                case "--status-fd": statusDescriptor = Int32(value)
                case "--slots-fd": slotsDescriptor = Int32(value)
                case "--generation": generation = value
                case "--supervisor": supervisor = pid_t(value)
                case "--threads": threads = value
                case "--secrets-fd": secretsDescriptor = Int32(value)
                default: throw SupervisorError(.invalidArgument, "worker: unknown option \(name)")
                }
                index += 2
            }
        }
    }

    /// Runs the worker; returns only on a start-up failure (the exit status), since a drained worker
    /// exits from ``drain(_:crashGuard:link:limits:)``.
    public static func run(arguments: [String]) async -> Int32 {
        let logger = Logger(label: "berth.worker", handler: HostLogHandler())
        do {
            let arguments = try Arguments(arguments)
            var environment = ProcessInfo.processInfo.environment
            if let descriptor = arguments.secretsDescriptor {
                environment.merge(SecretEnvironment.receive(from: descriptor)) { $1 }
            }
            let limits = try WorkerLimits(environment: environment)
            let settings = try HostSettings(environment: environment)
            // Writing to the status pipe of a supervisor that is gone must not kill the worker.
            signal(SIGPIPE, SIG_IGN)
            let link = WorkerLink(descriptor: arguments.statusDescriptor)
            let drain = DrainTrigger()
            // ^C in a terminal reaches the whole process group: the supervisor decides.
            signal(SIGINT, SIG_IGN)
            signal(SIGHUP, SIG_IGN)
            let signals = SignalWatch([SIGTERM, SIGUSR1]) { number in
                if number == SIGTERM { drain.fire() } else { link.releaseWaiters() }
            }
            let crashGuard = try CrashGuard(tableDescriptor: arguments.slotsDescriptor, reportDescriptor: arguments.statusDescriptor, handlerTimeout: limits.handlerTimeout, isolatesHandlers: limits.isolatesHandlers, takesOverPollingThreads: limits.takesOverPollingThreads)

            var options = ServeOptions()
            options.listenSocket = arguments.listenDescriptor
            options.handlerObserver = crashGuard
            options.recovering = false
            // The supervisor keeps the metrics history and judges the error thresholds.
            options.watchesMetrics = false
            options.threads = arguments.threads
            options.changeObserver = { await link.requestRoll() }
            options.stepObserver = { addon, step in crashGuard.setChange(addon: addon, step: step) }
            options.stuckObserver = { reason in link.send(.recycle(pid: link.pid, reason: reason)) }
            // SIGTERM during the start: a newer generation superseded this one, so its addons
            // (an upgrade undone meanwhile, say) never take a request; the drain follows at once.
            options.startsAccepting = { !drain.hasFired }
            let host = try await BerthServer.start(settings: settings, executable: Executable.path, options: options)
            link.send(.ready(pid: link.pid, generation: arguments.generation))
            if host.server.isRunning {
                logger.info("worker serving", metadata: ["pid": "\(link.pid)", "generation": "\(arguments.generation)"])
            } else {
                logger.info("worker superseded while it started: exits without serving", metadata: ["pid": "\(link.pid)", "generation": "\(arguments.generation)"])
            }

            let watchdog = WorkerWatchdog(crashGuard: crashGuard, link: link, limits: limits, supervisor: arguments.supervisor, logger: logger, metrics: host.metrics, takeovers: { host.server.takeoverCount }) {
                // No supervisor will roll anything or send SIGUSR1: answer the waiting requests now.
                logger.warning("the supervisor is gone: draining", metadata: ["pid": "\(link.pid)"])
                link.releaseWaiters()
                drain.fire()
            }
            watchdog.start()
            await drain.wait()
            withExtendedLifetime(signals) {}
            await Self.drain(host, crashGuard: crashGuard, link: link, limits: limits)
        } catch {
            berth_guard_allow_exit()
            FileHandle.standardError.write(Data("berth worker: \(error)\n".utf8))
            return 1
        }
    }

    /// Stops starting job runs and accepting, tells the supervisor, lets in-flight requests and job
    /// runs finish until the deadline, then exits. A worker with a parked (crashed) or hung handler
    /// thread exits without stopping the daemon or the addons: both would wait for that thread forever.
    static func drain(_ host: RunningHost, crashGuard: CrashGuard, link: WorkerLink, limits: WorkerLimits) async -> Never {
        let clock = ContinuousClock()
        let started = clock.now
        // The next generation runs the jobs from now on, with the addons it loaded.
        host.stopStartingJobs()
        link.beginDraining()
        host.server.quiesce()
        link.send(.quiesced(pid: link.pid))
        let crashed = crashGuard.crashed
        if crashed { link.releaseWaiters() }
        let deadline = started + (crashed ? limits.crashDrainTimeout : limits.drainTimeout)
        // A connection accepted just before quiescing may not have sent its request yet: it is open
        // but not active. Give such connections a moment before closing the idle ones; on a loaded
        // machine a client can take hundreds of milliseconds to send, so the moment is a second.
        let settle = started + .seconds(1)
        while clock.now < deadline {
            let stuck = crashGuard.stuck(grace: .zero).count
            if host.server.activeRequestCount <= stuck, host.server.openConnectionCount <= stuck || clock.now >= settle { break }
            try? await Task.sleep(for: .milliseconds(2))
        }
        if crashGuard.crashed || crashGuard.stuck(grace: .zero).count > 0 {
            let abandoned = crashGuard.abandonInFlight()
            host.logger.warning("worker exits with a handler that never returned", metadata: ["pid": "\(link.pid)", "answered502": "\(abandoned)"])
            _exit(0)
        }
        // Job runs that were going when the drain began finish, within the drain's deadline.
        let left = await host.waitForJobRuns(until: deadline)
        if left > 0 { host.logger.warning("worker drained with job runs still going: cancelling them", metadata: ["pid": "\(link.pid)", "runs": "\(left)"]) }
        host.server.stop(drainTimeout: .seconds(1))
        await host.manager.shutDown()
        crashGuard.allowExit()
        exit(0)
    }
}
