import BerthHTTP
import BerthLoader
import BerthPackages
import BerthStorage
import Foundation
import PluginAPI

/// Installs, uninstalls, activates and deactivates addons, one change at a time.
///
/// The actor owns the registry and the set of running addons; every change to them goes through
/// it, so two admin requests never interleave their steps. The routing table lives in the HTTP
/// server and is swapped atomically by ``mount(_:entry:)`` and ``unmount(_:)``.
public actor AddonManager {
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
    let services = HostServiceRegistry()
    let logger: Logger

    /// Installed addons as recorded in `addon_registry.json`.
    var registry: [String: RegistryEntry]
    /// Addons loaded into this process.
    var running: [String: RunningAddon] = [:]
    /// The routes mounted per addon, as `METHOD /path`.
    var mounted: [String: [String]] = [:]
    /// Why an installed addon could not be loaded at start.
    var failures: [String: String] = [:]
    /// The mutation running now, for the 409 a concurrent one gets.
    var operationInProgress: String?
    /// How long unmounting waits for in-flight requests.
    let drainTimeout: Duration = .seconds(10)
    /// Called after every successful mutation, with the lock released; see ``setChangeObserver(_:)``.
    var changeObserver: (@Sendable () async -> Void)?

    /// Path prefixes the host itself serves; no addon may mount over or under them.
    static let hostPrefixes = ["/health", "/metrics", "/api/v1/marketplace", "/api/v1/addons", "/api/v1/host", "/api/v1/cluster", "/api/v1/providers", "/api/v1/dev", "/admin"]

    /// Creates the manager for `home`; nothing is loaded until ``startUp()``.
    public init(home: BerthHome, backend: any AddonDataBackend, trustStore: TrustStore, server: HTTPServer, events: HostEventBus, probeExecutable: String, logger: Logger) throws {
        self.home = home
        self.backend = backend
        self.registryStore = RegistryStore(path: home.registryFile)
        self.verifier = PackageVerifier(trustStore: trustStore)
        self.catalog = Catalog(home: home, verifier: verifier)
        self.server = server
        self.events = events
        self.probe = AddonProbe(executable: probeExecutable)
        self.logger = logger
        self.journal = OperationJournal(path: home.journalFile)
        self.lock = MutationLock(path: home.lockFile)
        self.auditLog = AuditLog(path: home.auditLogFile)
        self.registry = try registryStore.load()
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
        registry.values.sorted { $0.id < $1.id }.map(summary(of:))
    }

    /// One installed addon.
    func addon(_ id: String) throws -> AddonSummary {
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
        try catalog.add(archiveAt: path)
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
    func mutation<T: Sendable>(_ description: String, _ body: () async throws -> T) async throws -> T {
        let result = try await locked(description, body)
        if let changeObserver { await changeObserver() }
        return result
    }

    private func locked<T: Sendable>(_ description: String, _ body: () async throws -> T) async throws -> T {
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
            services: services, scratchDirectory: scratch
        )
    }

    /// Stops a loaded addon and ends its event subscriptions and service offers.
    /// - Returns: how many subscriptions ended.
    @discardableResult
    func stop(_ addon: RunningAddon) async -> Int {
        await addon.library.addon.stop(addon.context)
        services.withdrawAll(provider: addon.id)
        return events.cancelAll(owner: addon.id)
    }

    /// The audit log of addon `id`, oldest first.
    func history(of id: String) -> [AuditLog.Entry] {
        auditLog.entries(for: id)
    }
}
