import BerthHTTP
import BerthMetrics
import BerthPackages
import BerthProviders
import BerthStorage
import Dispatch
import Foundation
import Glibc
import PluginAPI
import Synchronization

/// `berth serve`: the home, the admin API, the installed addons, and the HTTP server, until SIGINT
/// or SIGTERM.
public enum BerthServer {
    /// Serves in this one process until a termination signal, then drains and returns
    /// (`berth serve --workers 0`).
    /// - Parameter executable: this binary's path, run again in `probe` mode for new addons.
    public static func serve(settings: HostSettings, executable: String) async throws {
        // Signals are caught from the first moment, so a SIGTERM during start-up is not lost.
        let termination = TerminationSignals()
        let host = try await start(settings: settings, executable: executable, options: ServeOptions())
        FileHandle.standardOutput.write(Data(host.banner.utf8))

        let signal = await termination.next()
        host.logger.info("stopping", metadata: ["signal": String(cString: strsignal(signal))])
        host.observer?.cancel()
        host.server.stop()
        await host.cluster?.stop()
        await host.manager.shutDown()
    }

    /// Opens the home, loads and mounts the installed addons and starts the HTTP server; the caller
    /// decides when to stop. A worker process runs the host this way, on the supervisor's socket.
    public static func start(settings: HostSettings, executable: String, options: ServeOptions) async throws -> RunningHost {
        let logger = Logger(label: "berth", handler: HostLogHandler())
        let parts = try HomeParts(settings: settings)
        let home = parts.home

        var configuration = ServerConfiguration()
        configuration.host = settings.host
        configuration.port = settings.port
        configuration.spoolDirectory = home.spoolDirectory
        configuration.spoolReserveBytes = settings.minimumFreeBytes
        configuration.maxConcurrentUploads = settings.maxConcurrentUploads
        configuration.connectionLimit = settings.maxConnections
        configuration.perIPConnectionLimit = settings.maxConnectionsPerAddress
        configuration.headTimeoutSeconds = settings.headTimeoutSeconds
        configuration.maxQueryParameters = settings.maxQueryParameters
        configuration.hostAdmission = try hostAdmission(runDirectory: home.stateDirectory + "/run")
        if let threads = options.threads ?? settings.threads { configuration.threads = threads }
        configuration.listenSocket = options.listenSocket
        configuration.handlerObserver = options.handlerObserver
        let server = HTTPServer(configuration: configuration, routes: RoutingTable())
        let events = HostEventBus()
        let backend = try DataBackendFactory.make(settings: settings, home: home)
        let manager = try AddonManager(home: home, backend: backend, trustStore: parts.trustStore, server: server, events: events, probeExecutable: executable, logger: logger)
        if let observer = options.changeObserver { await manager.setChangeObserver(observer) }
        if let observer = options.stuckObserver { await manager.setStuckObserver(observer) }
        if let observer = options.stepObserver { await manager.setStepObserver(observer) }
        let environment = settings.environment
        let providers = try ProviderHub(
            environment: environment, directory: home.stateDirectory + "/providers",
            baseURL: environment["BERTH_PUBLIC_URL"] ?? settings.nodeURL ?? "http://\(settings.host):\(settings.port)", logger: logger
        )
        manager.services.attach(providers)
        let cluster = settings.cluster ? try ClusterNode(settings: settings, home: home, manager: manager, backend: backend, logger: logger) : nil
        let authenticator = AdminAuthenticator(token: parts.token)
        let console = ConsoleRoutes(
            assets: .load(executable: executable), sessions: ConsoleSessions(home: home, lifetime: try ConsoleSettings().sessionLifetime), authenticator: authenticator
        )
        var admin = AdminAPI(manager: manager, authenticator: authenticator, maxPackageBytes: settings.maxPackageBytes, cluster: cluster, trustStore: parts.trustStore, console: console)
        let jobs = JobRunner(store: try await JobRunner.makeStore(settings: settings, home: home), worker: JobRunner.workerName(settings: settings), logger: logger)
        await manager.setJobRunner(jobs)
        await manager.setJobHealthSource(jobs)
        events.attach(EventOutbox(store: try await EventOutbox.makeStore(settings: settings, home: home), worker: jobs.worker, logger: logger, deadline: LifecycleDeadlines.current.eventDelivery))
        admin.jobs = jobs
        let policies = try await RequestPolicies.load(environment: environment, runDirectory: home.stateDirectory + "/run", providers: providers.slots, logger: logger)
        await manager.setRequestPolicies(policies)
        if let table = policies.rateLimits {
            admin.limits = try AdminRateLimits(environment: environment, table: table)
            admin.console?.limits = admin.limits
        }
        _ = try AddonLogSettings(environment: environment)
        try HealthChecks.validate(environment)
        let observability = try HostObservability.open(home: home, table: policies.metrics, environment: environment)
        admin.observability = observability
        try server.updateRoutes { [admin] in try admin.register(in: &$0) }
        if let metrics = policies.metrics {
            let scraper = environment["BERTH_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : AdminAuthenticator(token: $0) }
            try server.updateRoutes { try MetricsEndpoint(table: metrics, processes: observability.processes, admin: authenticator, scraper: scraper).register(in: &$0) }
            // Each (slot, provider) pair's two series are looked up by label text when the registry
            // resolves the slot, then each call counts with one atomic addition.
            providers.slots.observeCalls(counters: { slot, provider in
                let series = ["ok", "error"].map { metrics.series(family: MetricFamily.providerCalls.rawValue, labels: Exposition.labels(["slot": slot, "provider": provider, "result": $0])) }
                // A full table drops the series (and counts the drop at each call) until one frees.
                guard let ok = series[0], let error = series[1] else { return nil }
                return { failed in (failed ? error : ok).add() }
            })
        }
        try await manager.startUp(recovering: options.recovering)
        // A variable may name a provider an installed addon offers: checked once the addons started.
        try providers.slots.verifySelections()
        // A cluster node converges on the cluster's installed set before it serves.
        try await cluster?.start(advertising: settings.nodeURL ?? "http://\(settings.host):\(settings.port)")
        if options.startsAccepting?() ?? true { try server.start() }

        var banner = "berth serving on http://\(settings.host):\(server.port) (home \(home.root), \(parts.trustStore.keys.count) trusted keys)\n"
        if let notice = parts.tokenNotice { banner += notice }
        var running = RunningHost(server: server, manager: manager, logger: logger, banner: banner, cluster: cluster)
        running.metrics = policies.metrics
        running.jobs = jobs
        running.observer = observability.start(manager: manager, server: server, watchesMetrics: options.watchesMetrics, logger: logger)
        return running
    }
}
