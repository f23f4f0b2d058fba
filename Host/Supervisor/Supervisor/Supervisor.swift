import BerthCore
import BerthHTTP
import Foundation
import PluginAPI
#if canImport(Glibc)
import Glibc
#endif

/// `berth serve --workers N`: holds the listening socket and runs the workers that serve on it.
///
/// The supervisor loads no addon and serves no request, so nothing an addon does can take it down.
/// It recovers the home before the first generation of workers starts, rolls a new generation when a
/// worker reports a change of the installed set (or on SIGHUP), replaces a worker that crashed or
/// hangs, quarantines an addon that keeps crashing its workers, and on SIGTERM drains every worker
/// and exits 0. Its state lives in one loop that handles one ``SupervisorEvent`` at a time.
public final class Supervisor {
    let settings: SupervisorSettings
    let keeper: HomeKeeper
    let launcher: WorkerLauncher
    let logger: Logger
    let banner: String
    let clock = ContinuousClock()

    /// Every worker alive, by pid.
    var workers: [pid_t: WorkerProcess] = [:]
    /// The generation that serves (0 before the first is ready).
    var current = 0
    /// The newest generation started; above `current` while a roll is under way.
    var latest = 0
    /// The registry as the newest generation loaded it (see ``HomeKeeper/registryStamp()``).
    var latestStamp = ""
    /// The last drain group handed out.
    var groups = 0
    var ledger: CrashLedger
    /// Addons to quarantine, with their crash count, until the home's lock is free.
    var pendingQuarantines: [String: Int] = [:]
    /// Workers to start later: replacements of workers that died before serving, backing off.
    var scheduled: [(at: ContinuousClock.Instant, generation: Int)] = []
    /// Workers that died before they served, in a row.
    var failuresBeforeReady = 0
    var shuttingDown = false
    /// Whether a generation was rolled for the interrupted uninstall waiting now.
    var rolledForInterruptedUninstall = false
    /// When the tick last looked for a change a dead process left unfinished.
    var lastRecoveryCheck = ContinuousClock.now
    /// Set to end the loop with this exit status.
    var exitStatus: Int32?
    /// The host's metrics as the supervisor writes them (nil with `BERTH_METRICS=0`).
    var observability: SupervisorMetrics?

    init(settings: SupervisorSettings, keeper: HomeKeeper, launcher: WorkerLauncher, logger: Logger, banner: String) {
        self.settings = settings
        self.keeper = keeper
        self.launcher = launcher
        self.logger = logger
        self.banner = banner
        ledger = CrashLedger(limit: settings.quarantineCrashes, window: settings.quarantineWindow)
    }

    /// Recovers the home, binds the socket, starts the first generation and supervises until SIGTERM
    /// or SIGINT.
    /// - Returns: the exit status: 0 after a clean drain, 1 if no worker could start.
    public static func run(host: HostSettings, settings: SupervisorSettings, executable: String) async throws -> Int32 {
        let (events, continuation) = AsyncStream<SupervisorEvent>.makeStream()
        // Caught from the first moment, so a SIGTERM during start-up is not lost.
        let signals = SignalWatch([SIGTERM, SIGINT, SIGHUP]) { continuation.yield(.signal($0)) }
        defer { withExtendedLifetime(signals) {} }
        let logger = Logger(label: "berth.supervisor", handler: HostLogHandler())
        let keeper = try HomeKeeper(settings: host, executable: executable, logger: logger)
        try keeper.prepareHome()
        let socket = try SystemCall.moveAboveStandard(try HTTPServer.listeningSocket(host: host.host, port: host.port))
        defer { close(socket) }
        let pipe = try StatusPipe()
        pipe.startReading { continuation.yield(.message($0)) }
        ChildReaper.start { continuation.yield(.exited(pid: $0, status: $1)) }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                continuation.yield(.tick)
            }
        }
        defer { ticker.cancel() }

        var banner = "berth serving on http://\(host.host):\(Self.port(of: socket)) (home \(keeper.home.root), \(keeper.trustedKeyCount) trusted keys, \(settings.workers) workers, supervisor pid \(getpid()))\n"
        if let notice = keeper.tokenNotice { banner += notice }
        let launcher = WorkerLauncher(executable: executable, listenDescriptor: socket, statusDescriptor: pipe.writeDescriptor, threads: settings.threadsPerWorker)
        let supervisor = Supervisor(settings: settings, keeper: keeper, launcher: launcher, logger: logger, banner: banner)
        supervisor.observability = try SupervisorMetrics.open(home: keeper.home, environment: host.environment)
        return await supervisor.loop(events)
    }

    private func loop(_ events: AsyncStream<SupervisorEvent>) async -> Int32 {
        roll(reason: "start")
        for await event in events {
            switch event {
            case .message(let message): await handle(message)
            case .exited(let pid, let status): await workerExited(pid, status: status)
            case .signal(let number): handle(signal: number)
            case .tick: await tick()
            }
            if let exitStatus { return exitStatus }
        }
        return 0
    }

    private func handle(signal number: Int32) {
        if number == SIGHUP {
            logger.info("SIGHUP: reloading")
            roll(reason: "SIGHUP")
            return
        }
        guard !shuttingDown else { return }
        logger.info("stopping: draining every worker", metadata: ["signal": String(cString: strsignal(number))])
        shuttingDown = true
        scheduled.removeAll()
        let group = nextGroup()
        for pid in workers.keys where workers[pid]?.drain == nil {
            drain(pid, group: group)
        }
        if workers.isEmpty { exitStatus = 0 }
    }

    private func handle(_ message: StatusMessage) async {
        guard workers[message.pid] != nil else { return }
        switch message {
        case .ready(let pid, _):
            workers[pid]?.ready = true
            failuresBeforeReady = 0
            if let replaced = workers[pid]?.replaces, workers[replaced]?.drain == nil, workers[replaced] != nil {
                drain(replaced, group: nextGroup())
            }
            promoteIfReady()
        case .roll:
            roll(reason: "the installed set changed")
        case .quiesced(let pid):
            workers[pid]?.quiesced = true
            releaseDrainedGroups()
        case .crash(let pid, let owner):
            await workerCrashed(pid, owner: owner)
        case .recycle(let pid, let reason):
            guard let worker = workers[pid], worker.retiring == nil, worker.drain == nil, !shuttingDown else { return }
            logger.warning("replacing a worker", metadata: ["pid": "\(pid)", "reason": reason])
            workers[pid]?.retiring = reason
            if let generation = replacementGeneration(for: worker) {
                spawn(generation: generation, replacing: pid)
            } else {
                drain(pid, group: nextGroup())
            }
        }
    }

    private func tick() async {
        let now = clock.now
        let due = scheduled.filter { $0.at <= now }
        scheduled.removeAll { $0.at <= now }
        for start in due where !shuttingDown { spawn(generation: start.generation) }
        for (pid, worker) in workers {
            if let drain = worker.drain, now >= drain.killAt {
                logger.error("a draining worker missed its deadline: killing it", metadata: ["pid": "\(pid)"])
                kill(pid, SIGKILL)
                workers[pid]?.drain?.killAt = now + .seconds(3600)
            } else if !worker.ready, worker.drain == nil, now - worker.startedAt > settings.readyTimeout {
                logger.error("a worker did not become ready in time: killing it", metadata: ["pid": "\(pid)"])
                kill(pid, SIGKILL)
            }
        }
        releaseDrainedGroups()
        await applyPendingQuarantines()
        metricsTick()
        if !shuttingDown, now - lastRecoveryCheck > .seconds(1) {
            lastRecoveryCheck = now
            await recoverAbandonedChange()
        }
    }

    /// The port a socket is bound to.
    static func port(of socket: Int32) -> Int {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard status == 0 else { return 0 }
        return withUnsafeBytes(of: &address) { raw in
            // sin_port and sin6_port sit at the same offset, in network byte order.
            Int(UInt16(bigEndian: raw.load(fromByteOffset: MemoryLayout<sa_family_t>.size, as: UInt16.self)))
        }
    }
}
