/// What the host hands an addon: its own database, logger, configuration and events.
///
/// Every service is scoped to the addon: the database reaches only the addon's own namespace, the
/// logger labels every line with the addon's id, and event subscriptions end when the addon stops.
public struct AddonContext: Sendable {
    /// The addon's identifier.
    public let addonID: String

    /// The addon's database, scoped to its own namespace.
    public let database: any AddonDatabase

    /// A logger whose lines carry the addon's id.
    public let logger: Logger

    /// The events bus shared by the host and every addon.
    public let events: any EventBus

    /// Outgoing HTTP, limited to the hosts the manifest lists as `network:<host>`.
    public let http: any HTTPClient

    /// Services of other addons, as the manifest's `service:<addon>.<name>` permissions allow, and
    /// the place to offer this addon's own.
    public let services: any ServiceRegistry

    /// A folder of the addon's own for files, removed at uninstall; `nil` unless the manifest asks
    /// for the `filesystem` permission.
    public let scratchDirectory: String?

    private let configurationSource: @Sendable () -> AddonConfiguration

    /// The addon's current configuration, validated by the host against the manifest's schema.
    public var configuration: AddonConfiguration { configurationSource() }

    /// Creates a context without network, services or scratch folder; called by the host and by
    /// tests.
    public init(
        addonID: String,
        database: any AddonDatabase,
        logger: Logger,
        events: any EventBus,
        configuration: @escaping @Sendable () -> AddonConfiguration
    ) {
        self.init(
            addonID: addonID, database: database, logger: logger, events: events, http: DeniedHTTPClient(addonID: addonID),
            services: DeniedServices(addonID: addonID), scratchDirectory: nil, configuration: configuration
        )
    }

    /// Creates a context with every service; called by the host.
    public init(
        addonID: String,
        database: any AddonDatabase,
        logger: Logger,
        events: any EventBus,
        http: any HTTPClient,
        services: any ServiceRegistry,
        scratchDirectory: String?,
        configuration: @escaping @Sendable () -> AddonConfiguration
    ) {
        self.addonID = addonID
        self.database = database
        self.logger = logger
        self.events = events
        self.http = http
        self.services = services
        self.scratchDirectory = scratchDirectory
        self.configurationSource = configuration
    }
}
