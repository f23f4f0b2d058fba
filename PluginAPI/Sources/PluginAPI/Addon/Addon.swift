/// The protocol every Berth addon implements.
///
/// The host creates one instance through the addon's exported entry (see ``AddonABI``), checks
/// that ``id`` and ``version`` match the signed manifest, calls ``start(_:)``, then mounts the
/// routes registered by ``register(_:)`` under the manifest's mount prefix. On deactivation or
/// uninstall the routes are unmounted first, in-flight requests finish, then ``stop(_:)`` runs.
///
/// New requirements arrive only with default implementations, so an addon built against an older
/// PluginAPI keeps loading.
public protocol Addon: Sendable {
    /// The addon's identifier; must equal the `id` of its manifest.
    var id: String { get }

    /// The addon's semantic version; must equal the `version` of its manifest.
    var version: String { get }

    /// Registers the addon's routes, with paths relative to the mount prefix (PluginAPI 1.x).
    /// Write ``register(_:)`` instead; its handlers get a per-request ``RequestContext``.
    func routes(_ routes: inout Routes, context: AddonContext)

    /// Registers the addon's routes on `router`, with paths relative to the mount prefix; the host
    /// calls this, and by default it registers what ``routes(_:context:)`` does.
    func register(_ router: inout Router)

    /// Called after the addon's migrations ran and before its routes are mounted.
    func start(_ context: AddonContext) async throws

    /// Called after the addon's routes were unmounted and its in-flight requests finished.
    func stop(_ context: AddonContext) async

    /// Called after an administrator changed the addon's configuration.
    func configurationDidChange(_ configuration: AddonConfiguration, context: AddonContext) async

    /// How the addon judges its own health; the host calls it every 30 seconds (the operator
    /// sets `BERTH_HEALTH_INTERVAL`) in each process that serves the addon, and counts an answer
    /// that takes more than 2 seconds against the addon's health score.
    /// Check cheaply (a ping, a queue length): this is not the place for slow work.
    /// By default healthy.
    func health(_ context: AddonContext) async -> AddonHealth

    /// Runs one run of the job `name` its manifest declares in `jobs`; the host calls it when the
    /// job's schedule comes due (once per due time however many workers or nodes serve) or an
    /// administrator runs it now. Throwing records the run as failed with the error's message.
    /// Cancellation (deadline, deactivation, uninstall) arrives as Swift task cancellation.
    func runJob(_ name: String, context: JobContext) async throws
}

extension Addon {
    /// By default an addon mounts no routes.
    public func routes(_ routes: inout Routes, context: AddonContext) {}

    /// By default the routes of ``routes(_:context:)``, so an addon written for PluginAPI 1.x keeps
    /// serving exactly what it did.
    public func register(_ router: inout Router) {
        var routes = Routes()
        self.routes(&routes, context: router.context)
        router.add(routes)
    }

    /// By default starting does nothing.
    public func start(_ context: AddonContext) async throws {}

    /// By default stopping does nothing.
    public func stop(_ context: AddonContext) async {}

    /// By default a configuration change needs no action: handlers read ``AddonContext/configuration``.
    public func configurationDidChange(_ configuration: AddonConfiguration, context: AddonContext) async {}

    /// By default an addon reports itself healthy: its score comes from what the host measures.
    public func health(_ context: AddonContext) async -> AddonHealth { .healthy }

    /// By default no job is handled: the run fails with ``HTTPError/jobNotHandled(_:addon:)``.
    public func runJob(_ name: String, context: JobContext) async throws {
        throw HTTPError.jobNotHandled(name, addon: context.addonID)
    }
}
