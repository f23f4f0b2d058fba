import BerthHTTP
import BerthLoader
import BerthPackages
import BerthStorage
import Foundation
import PluginAPI

/// Installs, uninstalls, activates and deactivates addons, one change at a time, in the process
/// that serves them: the home's state, its journal and its recovery belong to ``HomeEngine``, which
/// this actor uses; loading, starting, mounting and unmounting are its own.
///
/// The actor owns the registry and the set of running addons; every change to them goes through
/// it, so two admin requests never interleave their steps. The routing table lives in the HTTP
/// server and is swapped atomically by ``mount(_:entry:)`` and ``unmount(_:)``.
public actor AddonManager {
    /// The home's state and its recovery.
    let engine: HomeEngine
    let home: BerthHome
    let registryStore: RegistryStore
    let catalog: Catalog
    let verifier: PackageVerifier
    let server: HTTPServer
    let events: HostEventBus
    let probe: AddonProbe
    let backend: any AddonDataBackend
    let journal: OperationJournal
    let lock: MutationLock
    let auditLog: AuditLog
    /// Changes whose undo did not complete; each blocks further changes of its addon.
    let unfinished: UnfinishedChanges
    /// Which processes serve which addon (see ``ServingLock``).
    let servingLock: ServingLock
    /// This process's shared holds, one per addon it serves.
    var servingHolds: [String: ServingLock.Hold] = [:]
    /// This process's shared holds on the builds it serves, by ``ServingLock/buildKey(_:installPath:)``.
    var buildHolds: [String: ServingLock.Hold] = [:]
    let services = HostServiceRegistry()
    let logger: Logger

    /// Installed addons as recorded in `addon_registry.json`.
    var registry: [String: RegistryEntry]
    /// Addons loaded into this process.
    var running: [String: RunningAddon] = [:]
    /// The routes mounted per addon, as `METHOD /path`.
    var mounted: [String: [String]] = [:]
    /// The pages of the mounted addons, for the navigation endpoints.
    let pages = AddonPageRegistry()
    /// Why an installed addon could not be loaded at start.
    var failures: [String: String] = [:]
    /// The mutation running now, for the 409 a concurrent one gets.
    var operationInProgress: String?
    /// How long unmounting waits for in-flight requests.
    let drainTimeout: Duration = .seconds(10)
    /// Called after every successful mutation, with the lock released; see ``setChangeObserver(_:)``.
    /// Answers whether the new generation serves (false: it did not become ready in time).
    var changeObserver: (@Sendable () async -> Bool)?
    /// Set by a mutation that rolled the generation itself (an uninstall across workers): the
    /// roll after it would change nothing.
    var rolledDuringMutation = false
    /// Told the step of the change running now (see ``setStepObserver(_:)``).
    var stepObserver: (@Sendable (_ addon: String?, _ step: String) -> Void)?
    /// Told when an addon's step ran past its deadline and may hold a thread for good.
    var stuckObserver: (@Sendable (String) -> Void)?
    /// How long an uninstall waits for every worker to stop serving the addon.
    let unserveTimeout: Duration = LifecycleDeadlines.current.unserve
    /// What the host enforces on addon routes; see ``setRequestPolicies(_:)``.
    var requestPolicies: RequestPolicies
    /// The registry file as last read, for ``refreshRegistryFromDisk()``.
    var registryStamp: RegistryStamp?
    /// What the addons' own `health()` answered last, and where failed jobs are read from.
    var health = HealthChecks()

    /// Runs the jobs of the addons loaded here; see ``setJobRunner(_:)``.
    var jobs: JobRunner?

    /// Path prefixes the host itself serves; no addon may mount over or under them.
    static let hostPrefixes = ["/health", "/metrics", "/api/v1/marketplace", "/api/v1/addons", "/api/v1/host", "/api/v1/cluster", "/api/v1/trusted-keys", "/api/v1/providers", "/api/v1/events", "/api/v1/dev", "/admin", "/apps", "/api/v1/navigation", "/api/v1/audit"]

    /// Creates the manager for `home`; nothing is loaded until ``startUp()``.
    public init(home: BerthHome, backend: any AddonDataBackend, trustStore: TrustStore, server: HTTPServer, events: HostEventBus, probeExecutable: String, logger: Logger) throws {
        let engine = try HomeEngine(home: home, backend: backend, logger: logger)
        self.engine = engine
        self.home = home
        self.backend = backend
        self.registryStore = engine.registryStore
        self.verifier = PackageVerifier(trustStore: trustStore)
        self.catalog = Catalog(home: home, verifier: verifier)
        self.server = server
        self.events = events
        self.probe = AddonProbe(executable: probeExecutable)
        self.logger = logger
        self.journal = engine.journal
        self.lock = engine.lock
        self.auditLog = engine.auditLog
        self.unfinished = engine.unfinished
        self.servingLock = engine.servingLock
        self.registry = try registryStore.load()
        self.requestPolicies = .none(logger: logger)
    }

    func summary(of entry: RegistryEntry) -> AddonSummary {
        let running = running[entry.id]
        let sensitive = (try? installedManifest(entry))?.sensitiveKeys ?? []
        return AddonSummary(
            id: entry.id, version: entry.version, state: entry.state.rawValue, loaded: running != nil,
            mountPrefix: entry.mountPrefix,
            routes: mounted[entry.id] ?? [],
            permissions: entry.permissions, migrations: entry.appliedMigrations,
            configuration: ConfigurationSchema.redact(entry.configuration, sensitiveKeys: sensitive),
            signer: entry.signer, installedAt: entry.installedAt,
            inFlightRequests: running?.gate.count ?? 0, failure: failures[entry.id],
            quarantined: entry.quarantine
        )
    }

    /// Every installed addon, by id.
    func listAddons() -> [AddonSummary] {
        refreshRegistryFromDisk()
        return registry.values.sorted { $0.id < $1.id }.map(summary(of:))
    }

    /// One installed addon.
    func addon(_ id: String) throws -> AddonSummary {
        refreshRegistryFromDisk()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        return summary(of: entry)
    }

    /// A catalog package with its lifecycle state: `validated` (signature, manifest and files
    /// checked at upload), or `installed` when this version is the installed one.
    struct CatalogListing: Encodable, Sendable {
        let state: String
        let package: CatalogPackage
    }

    /// The catalog's packages.
    func catalogPackages() -> [CatalogListing] {
        catalog.all().map { package in
            let installed = registry[package.manifest.id]?.version == package.manifest.version
            return CatalogListing(state: installed ? "installed" : "validated", package: package)
        }
    }

    /// Verifies an uploaded archive and adds it to the catalog.
    func addPackage(archiveAt path: String) throws -> (package: CatalogPackage, created: Bool) {
        try catalog.add(archiveAt: path, replacingChanged: DevelopmentMode.isOn)
    }

    /// The manifest of an installed addon, as extracted into its install folder.
    func installedManifest(_ entry: RegistryEntry) throws -> Manifest {
        let path = home.absolute(entry.installPath) + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BerthError.internalError("manifest_missing", "\(path) is missing")
        }
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    static func notInstalled(_ id: String) -> BerthError {
        BerthError.notFound("addon_not_installed", "no addon '\(id)' is installed")
    }

    func save() throws {
        try registryStore.save(registry)
    }

    /// Records a lifecycle transition in the audit log and publishes it to every subscriber.
    func publishLifecycle(_ name: String, id: String, version: String, detail: String? = nil) async {
        auditLog.record(id: id, event: name, version: version, detail: detail)
        await events.publish(Event(name: "berth.addon.\(name)", source: "berth", payload: .object(["id": .string(id), "version": .string(version)])))
    }

    /// Runs one mutation with the home's lock held; a concurrent one is refused with 409. Once it
    /// succeeded and the lock is released, the change observer runs (in a worker: the roll of a new
    /// generation of workers, so the answer goes out once the new installed set serves).
    /// With `addon`, a change of that addon: refused while an earlier change of it could not be
    /// fully undone, after retrying that undo once.
    func mutation<T: Sendable>(_ description: String, addon: String? = nil, _ body: () async throws -> T) async throws -> T {
        rolledDuringMutation = false
        defer { stepObserver?(nil, "") }
        let started = ContinuousClock.now
        do {
            let result = try await unobservedMutation(description, addon: addon, body)
            countOperation(description, result: "ok", since: started)
            return result
        } catch {
            countOperation(description, result: (error as? BerthError)?.code ?? "internal_error", since: started)
            throw error
        }
    }

    private func unobservedMutation<T: Sendable>(_ description: String, addon: String?, _ body: () async throws -> T) async throws -> T {
        let result = try await locked(description) {
            if let addon, let record = unfinished.record(of: addon) {
                try await retryUnfinished(record)
            }
            return try await body()
        }
        if let changeObserver, !rolledDuringMutation, await !changeObserver() {
            throw BerthError(status: 504, code: "roll_timeout", message: "\(description) is done and recorded, but the new generation of workers did not become ready within \(LifecycleDeadlines.current.roll): the workers serving now still run the previous set of addons until it does (see the log; BERTH_ROLL_TIMEOUT sets the wait)")
        }
        return result
    }

    func locked<T: Sendable>(_ description: String, _ body: () async throws -> T) async throws -> T {
        if let running = operationInProgress {
            throw BerthError.conflict("operation_in_progress", "cannot \(description) while '\(running)' is running; retry when it finishes")
        }
        guard let release = lock.tryAcquire() else {
            throw BerthError.conflict("operation_in_progress", "cannot \(description): another process holds the lock of this home (\(home.relative(home.lockFile)))")
        }
        operationInProgress = description
        defer {
            operationInProgress = nil
            release()
        }
        // Another process serving this home (a worker, the supervisor) may have changed the
        // registry since this one read it; under the lock the file is the truth.
        registry = try registryStore.load()
        return try await body()
    }

    /// A loaded addon with the services its permissions grant.
    func makeRunningAddon(_ manifest: Manifest, library: AddonLibrary, data: any AddonDataHandle, configuration: [String: JSONValue]) throws -> RunningAddon {
        var scratch: String?
        if manifest.permissions.contains(Permission.filesystem) {
            scratch = home.scratchDirectory(for: manifest.id)
            try FileManager.default.createDirectory(atPath: scratch!, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return RunningAddon(
            id: manifest.id, version: manifest.version, library: library, data: data, permissions: manifest.permissions,
            settings: ConfigurationCell(values: configuration, sensitiveKeys: manifest.sensitiveKeys), events: events,
            services: services, scratchDirectory: scratch,
            log: AddonLogFile(home: home, id: manifest.id, maximumBytes: AddonLogSettings.current.maximumBytes), logLevel: AddonLogSettings.current.minimumLevel, jobs: manifest.jobs,
            buildKey: ServingLock.buildKey(manifest.id, installPath: Self.installFolder(of: library, manifest: manifest))
        )
    }

    /// The folder a library was installed into: its path is `<install folder>/<manifest.library>`.
    static func installFolder(of library: AddonLibrary, manifest: Manifest) -> String {
        let suffix = "/" + manifest.library
        if library.path.hasSuffix(suffix) { return String(library.path.dropLast(suffix.count)) }
        return URL(fileURLWithPath: library.path).deletingLastPathComponent().path
    }

    /// Records `addon` as loaded here and marks this process as serving it, for the uninstall that
    /// waits until no process does.
    func markRunning(_ addon: RunningAddon) {
        running[addon.id] = addon
        if servingHolds[addon.id] == nil { servingHolds[addon.id] = servingLock.share(addon.id) }
        if buildHolds[addon.buildKey] == nil { buildHolds[addon.buildKey] = servingLock.share(addon.buildKey) }
        jobs?.schedule(addon)
    }

    /// This process no longer serves the build of `addon` (the version an upgrade replaced).
    func markRetired(_ addon: RunningAddon) {
        buildHolds.removeValue(forKey: addon.buildKey)?.release()
    }

    /// This process no longer serves `id`.
    func markStopped(_ id: String) {
        running[id] = nil
        jobs?.abandon(addon: id)
        releaseServingHolds(of: id)
    }

    /// Lets go of this process's serving locks on `id` and on each of its builds.
    func releaseServingHolds(of id: String) {
        servingHolds.removeValue(forKey: id)?.release()
        for key in buildHolds.keys where key.hasPrefix(id + "@") { buildHolds.removeValue(forKey: key)?.release() }
    }

    /// Stops a loaded addon and ends its event subscriptions and service offers.
    /// - Returns: how many subscriptions ended.
    @discardableResult
    func stop(_ addon: RunningAddon) async -> Int {
        await jobs?.stop(addon: addon.id, instance: addon.instance)
        await stopWithDeadline(addon)
        services.withdrawAll(provider: addon.id)
        return events.cancelAll(owner: addon.id)
    }

    /// The audit log of addon `id`, oldest first.
    func history(of id: String) -> [AuditLog.Entry] {
        auditLog.entries(for: id)
    }
}
