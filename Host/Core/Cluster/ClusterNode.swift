import BerthStorage
import Foundation
import PluginAPI
import Synchronization

/// This host as one node of a cluster (`BERTH_CLUSTER=1`): hosts that share one PostgreSQL
/// database converge on the installed set recorded in it (see ``ClusterStore``).
///
/// - An admin install, upgrade or uninstall through any node goes through ``install(_:)``,
///   ``upgrade(_:_:)`` and ``uninstall(_:options:)``: the node does the change locally under the
///   addon's cluster lock (migrations included), then records it in the desired set, which
///   notifies every node.
/// - Each node reconciles its own files and registry with the desired set when notified (a
///   dedicated `LISTEN` connection), every `BERTH_CLUSTER_RECONCILE_SECONDS` in case a notification
///   was missed, and at start, before it serves: a node that was down catches up.
/// - Only one cluster change runs at a time on a node; the addon's advisory lock orders them
///   across nodes.
///
/// Every node keeps its own home: the registry and the installed files are its local cache of the
/// desired set; the addon's data is shared, in the addon's schema.
actor ClusterNode {
    /// This node's name.
    nonisolated let nodeID: String
    let store: ClusterStore
    let lock: ClusterLock
    let manager: AddonManager
    let backend: any AddonDataBackend
    let home: BerthHome
    let logger: Logger
    let databaseURL: String
    /// How often the node reconciles and beats without being notified.
    let interval: Duration
    /// A node whose heartbeat is older than this is considered gone.
    var aliveWithin: Duration { interval * 3 + .seconds(2) }
    /// How long an uninstall waits for the other nodes to unmount before removing the data; longer
    /// than a reconcile pass waits for a lock, so a node queued behind another change still detaches.
    var detachTimeout: Duration { max(.seconds(5), reconcileLockWait * 3) }
    /// How long a reconcile pass waits for an addon's lock before retrying later.
    var reconcileLockWait: Duration { min(.seconds(2), lock.timeout) }

    /// Wakes the reconcile loop; extra wake-ups while it runs collapse into one more pass.
    nonisolated let wakeups: AsyncStream<Void>.Continuation
    private let wakeupStream: AsyncStream<Void>
    private var listener: PostgresListener?
    private var loops: [Task<Void, Never>] = []

    /// Whether a cluster change runs now, and who waits for it to finish.
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Desired addons this node failed to install, so they are retried only when their row changes
    /// or after ``retryAfter``.
    var installFailures: [String: InstallFailure] = [:]
    let retryAfter: Duration = .seconds(60)
    /// The last generation this node fully converged on.
    var convergedGeneration: Int64 = 0
    /// The generation the last reconcile pass started from.
    var lastPassGeneration: Int64 = -1
    /// What this node last wrote to `node_addons`, so an unchanged report is not written again.
    var lastReport: (states: [NodeAddonState], generation: Int64)?
    /// Set by ticks and reconnections: the next wake-up reconciles whatever the generation.
    nonisolated let fullPassRequested = Atomic<Bool>(true)

    struct InstallFailure: Sendable {
        let version: String
        let generation: Int64
        let message: String
        let at: ContinuousClock.Instant
    }

    /// Prepares the node; nothing reaches the database until ``start(advertising:)``.
    init(settings: HostSettings, home: BerthHome, manager: AddonManager, backend: any AddonDataBackend, logger: Logger) throws {
        guard let url = settings.databaseURL, settings.databaseKind == .postgres else {
            throw BerthError.internalError("cluster_needs_postgres", "cluster mode needs BERTH_DATABASE_URL=postgres://…")
        }
        nodeID = try NodeIdentity.resolve(settings: settings, home: home)
        databaseURL = url
        store = ClusterStore(url: url)
        lock = ClusterLock(url: url, timeout: .seconds(settings.clusterLockTimeout))
        self.manager = manager
        self.backend = backend
        self.home = home
        self.logger = logger
        interval = .seconds(settings.reconcileInterval)
        (wakeupStream, wakeups) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Joins the cluster: creates the shared schema if needed, registers the node, starts listening,
    /// and converges on the desired set before returning, so the node serves it from its first request.
    func start(advertising url: String) async throws {
        do {
            try await store.prepare()
            try await store.register(node: nodeID, url: url)
        } catch {
            throw BerthError.internalError("cluster_unavailable", "cannot join the cluster in \(PostgresURL.redacted(databaseURL)): \(error)", cause: error)
        }
        let wakeups = wakeups
        let logger = logger
        let listener = PostgresListener(url: databaseURL, channel: ClusterStore.channel) { [self] event in
            switch event {
            case .listening:
                // Notifications may have been missed while the connection was down.
                requestFullPass()
                wakeups.yield()
            case .notification: wakeups.yield()
            case .failed(let reason): logger.warning("cluster notifications interrupted", metadata: ["error": reason])
            }
        }
        listener.start()
        self.listener = listener
        await exclusively { await shareAddonsInstalledBeforeJoining() }
        await reconcile()
        logger.info("joined the cluster", metadata: ["node": nodeID, "generation": "\(convergedGeneration)"])
        let stream = wakeupStream
        loops.append(Task { [weak self] in
            for await _ in stream {
                // A burst of notifications (any session may send them, an addon's too) becomes one
                // wake-up: the stream keeps only the newest while this one waits.
                try? await Task.sleep(for: Self.debounce)
                guard let self else { return }
                await self.reconcileIfDesiredChanged()
            }
        })
        let interval = interval
        loops.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                await self.beat()
            }
        })
    }

    /// Leaves the cluster: stops listening and reconciling, lets a change in progress finish, and
    /// records the stop.
    func stop() async {
        loops.forEach { $0.cancel() }
        wakeups.finish()
        await listener?.stop()
        await exclusively {}
        try? await store.markStopped(node: nodeID)
        store.close()
        lock.close()
    }

    /// The desired set and every node's report.
    func overview() async throws -> ClusterReport {
        async let generation = store.generation()
        async let desired = store.desired()
        async let nodes = store.nodes(aliveWithin: aliveWithin)
        return ClusterReport(node: nodeID, generation: try await generation, desired: try await desired.values.sorted { $0.id < $1.id }, nodes: try await nodes)
    }

    /// Records the heartbeat and asks for a full pass, in case a notification was missed.
    private func beat() async {
        do {
            try await store.heartbeat(node: nodeID)
        } catch where !(error is CancellationError) {
            logger.warning("cluster heartbeat failed", metadata: ["error": "\(error)"])
        } catch {}
        requestFullPass()
        wakeups.yield()
    }

    /// How long a wake-up waits for more notifications before the node reconciles.
    static let debounce: Duration = .milliseconds(50)

    /// Makes the next wake-up reconcile even if the desired set's generation did not move.
    nonisolated func requestFullPass() {
        fullPassRequested.store(true, ordering: .relaxed)
    }

    /// Reconciles when asked for a full pass (a tick, a reconnection), or when the desired set
    /// changed since the last pass: a notification alone proves nothing, since any session can
    /// send one; only the host's own transactions move the generation.
    private func reconcileIfDesiredChanged() async {
        if !fullPassRequested.exchange(false, ordering: .relaxed) {
            guard let generation = try? await store.generation(), generation != lastPassGeneration else { return }
        }
        await reconcile()
    }

    /// Runs `body` when no other cluster change runs on this node.
    func exclusively<T>(_ body: () async throws -> T) async rethrows -> T {
        while busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
